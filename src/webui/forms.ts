/**
 * Forms drawn from the REST API's request schemas (the OpenAPI document of src/admin/openapi.ts):
 * one field per property, of the property's type, with its description as help text. The
 * browser (assets/console.js) turns the fields back into the JSON body the API takes, by the
 * `data-type` each field carries, and sends it to the API itself: the API validates, checks the
 * rights and words the errors, exactly as for any other client. Nothing here repeats a rule.
 *
 * The document serves the contract's schemas (src/schema) as they are: the forms follow them.
 */
import { openApiDocument } from '../admin/openapi.js';
import type { Html, HtmlValue } from './html.js';
import { html, trusted } from './html.js';

export interface JsonSchema {
  type?: string;
  format?: string;
  description?: string;
  enum?: readonly unknown[];
  properties?: Record<string, JsonSchema>;
  required?: readonly string[];
  items?: JsonSchema;
  additionalProperties?: boolean | JsonSchema;
  $ref?: string;
  oneOf?: readonly JsonSchema[];
}

let components: Record<string, JsonSchema> | undefined;

/** A request schema of the API by its component name (`ServerIn`, `RulePatch`…), refs resolved. */
export function schemaNamed(name: string): JsonSchema {
  components ??= (openApiDocument('forms') as { components: { schemas: Record<string, JsonSchema> } })
    .components.schemas;
  const s = components[name];
  if (s === undefined) throw new Error(`the API has no schema ${name}`);
  return resolve(s);
}

function resolve(s: JsonSchema): JsonSchema {
  if (s.$ref !== undefined) return schemaNamed(s.$ref.replace('#/components/schemas/', ''));
  return s;
}

/** How a field is encoded back to JSON by console.js. */
type FieldType = 'string' | 'integer' | 'number' | 'boolean' | 'lines' | 'json' | 'datetime';

export interface FieldOverride {
  label?: string;
  /** Choices instead of free text (e.g. the credential types an owner may have). */
  choices?: readonly string[];
  textarea?: boolean;
  hidden?: boolean;
  help?: string;
}

export interface FormSpec {
  /** Unique on the page; prefixes the field ids. */
  id: string;
  /** Component name of the request schema. */
  schema: string;
  method: 'POST' | 'PATCH' | 'PUT';
  /** The REST path the body goes to. */
  action: string;
  /**
   * After success: `location` (the page of the object the API's Location header names),
   * `reload`, or a console URL.
   */
  then: string;
  submit: string;
  /** Current values (edit forms); PATCH forms send only the fields that changed. */
  values?: Record<string, unknown>;
  fields?: Record<string, FieldOverride>;
  /** Schema fields that must be filled for a create (browser hint; the API decides). */
  required?: readonly string[];
}

const labels: Record<string, string> = {
  name: 'Name',
  protocol: 'Protocol',
  address: 'Address (host:port)',
  rootDir: 'Root folder',
  receiveDir: 'Receive folder',
  sendDir: 'Send folder',
  tmpReceiveDir: 'Temporary receive folder',
  protoConfig: 'Protocol configuration (JSON)',
  login: 'Login',
  password: 'Password',
  ipAddresses: 'Allowed IP addresses (one per line)',
  isSend: 'Send rule (files go out of the gateway)',
  comment: 'Comment',
  path: 'Path',
  localDir: 'Local folder',
  remoteDir: 'Remote folder',
  tmpLocalRcvDir: 'Temporary local receive folder',
  preTasks: 'Pre-tasks',
  postTasks: 'Post-tasks',
  errorTasks: 'Error tasks',
  type: 'Type',
  args: 'Arguments (JSON)',
  username: 'User name',
  perms: 'Rights',
  value: 'Value',
  value2: 'Second value',
  rule: 'Rule',
  partner: 'Partner',
  account: 'Account',
  client: 'Client',
  file: 'File',
  output: 'Output name',
  start: 'Start',
  transferInfo: 'Transfer info (JSON)',
  nbOfAttempts: 'Attempts',
  firstRetryDelay: 'First retry delay (s)',
  retryIncrementFactor: 'Retry delay factor',
};

function labelOf(key: string): string {
  return labels[key] ?? key.replace(/([a-z])([A-Z])/g, '$1 $2').replace(/^./, (c) => c.toUpperCase());
}

const fieldId = (formId: string, name: string): string => `${formId}-${name.replace(/[^A-Za-z0-9_]+/g, '-')}`;

function textOf(v: unknown): string {
  if (v === undefined || v === null) return '';
  if (typeof v === 'string') return v;
  if (typeof v === 'number' || typeof v === 'boolean') return String(v);
  return JSON.stringify(v, null, 2);
}

interface FieldContext {
  form: FormSpec;
  name: string;
  key: string;
  schema: JsonSchema;
  value: unknown;
  required: boolean;
  override: FieldOverride;
}

function field(f: FieldContext): Html {
  const { form, name, key, schema, value, override } = f;
  const id = fieldId(form.id, name);
  const label = override.label ?? labelOf(key);
  const helpText = override.help ?? schema.description;
  const helpId = `${id}-help`;
  const help = helpText === undefined ? '' : html`<small id="${helpId}" class="help">${helpText}</small>`;
  const described = helpText === undefined ? '' : html` aria-describedby="${helpId}"`;
  const req = f.required ? html` required aria-required="true"` : '';
  const control = (type: FieldType, inner: Html): Html =>
    html`<div class="field" data-field="${type}">
      <label for="${id}">${label}${f.required ? html` <span aria-hidden="true">*</span>` : ''}</label
      >${inner}${help}
    </div>`;

  // Technical values (addresses, JSON, keys): no spell checking.
  const textarea = (type: FieldType, rows: number, text: string): Html =>
    control(
      type,
      html`<textarea
        id="${id}"
        name="${name}"
        data-type="${type}"
        rows="${rows}"
        spellcheck="false"
        ${described}${req}
      >
${text}</textarea>`,
    );

  const choices = override.choices ?? (schema.enum as readonly string[] | undefined);
  if (choices !== undefined) {
    return control(
      'string',
      html`<select id="${id}" name="${name}" data-type="string" ${described}${req}>
        ${f.required ? '' : html`<option value="">—</option>`}
        ${choices.map((c) => html`<option value="${c}" ${c === value ? html` selected` : ''}>${c}</option>`)}
      </select>`,
    );
  }
  switch (schema.type) {
    case 'boolean':
      return html`<div class="field check">
        <input
          type="checkbox"
          id="${id}"
          name="${name}"
          data-type="boolean"
          ${value === true ? html` checked` : ''}${described}
        /><label for="${id}">${label}</label>${help}
      </div>`;
    case 'integer':
    case 'number':
      return control(
        schema.type,
        html`<input
          type="number"
          id="${id}"
          name="${name}"
          data-type="${schema.type}"
          value="${textOf(value)}"
          ${schema.type === 'number' ? html` step="any"` : ''}${described}${req}
        />`,
      );
    case 'array':
      return textarea('lines', 3, Array.isArray(value) ? value.map(textOf).join('\n') : '');
    case 'object':
      return textarea('json', 3, value === undefined ? '' : textOf(value));
    case 'string':
    case 'null':
    case undefined:
    default: {
      if (schema.format === 'date-time') {
        return control(
          'datetime',
          html`<input
            type="datetime-local"
            step="1"
            id="${id}"
            name="${name}"
            data-type="datetime"
            ${described}${req}
          />`,
        );
      }
      if (override.textarea === true) {
        return textarea('string', 4, textOf(value));
      }
      const secret = /password/i.test(key);
      return control(
        'string',
        html`<input
          type="${secret ? 'password' : 'text'}"
          id="${id}"
          name="${name}"
          data-type="string"
          value="${secret ? '' : textOf(value)}"
          ${secret ? html` autocomplete="new-password"` : ''}${described}${req}
        />`,
      );
    }
  }
}

/** An array of objects (a rule's tasks): one row per item, plus a template for new rows. */
function objectList(form: FormSpec, key: string, schema: JsonSchema, value: unknown): Html {
  const item = resolve(schema.items ?? {});
  const rows = Array.isArray(value) ? (value as Record<string, unknown>[]) : [];
  const row = (index: number | string, v: Record<string, unknown>): Html =>
    html`<fieldset class="row" data-row>
      <legend>${labelOf(key).replace(/s$/, '')} ${typeof index === 'number' ? index + 1 : ''}</legend>
      ${Object.entries(item.properties ?? {}).map(([k, s]) =>
        field({
          form,
          name: `${key}.${index}.${k}`,
          key: k,
          schema: resolve(s),
          value: v[k],
          required: false,
          override: {},
        }),
      )}
      <button type="button" class="secondary" data-remove-row>Remove</button>
    </fieldset>`;
  return html`<fieldset class="list" data-list="${key}">
    <legend>${labelOf(key)}</legend>
    <div data-rows>${rows.map((v, i) => row(i, v))}</div>
    <template>${row('__index__', {})}</template>
    <button type="button" class="secondary" data-add-row>Add to ${labelOf(key).toLowerCase()}</button>
  </fieldset>`;
}

/** A nested object with named properties (a user's rights): a fieldset of its fields. */
function group(form: FormSpec, key: string, schema: JsonSchema, value: unknown): Html {
  const v = (value ?? {}) as Record<string, unknown>;
  return html`<fieldset class="group">
    <legend>${labelOf(key)}</legend>
    ${schema.description === undefined ? '' : html`<small class="help">${schema.description}</small>`}
    <div class="grid">
      ${Object.entries(schema.properties ?? {}).map(([k, s]) =>
        field({
          form,
          name: `${key}.${k}`,
          key: k,
          schema: resolve(s),
          value: v[k],
          required: false,
          override: form.fields?.[`${key}.${k}`] ?? {},
        }),
      )}
    </div>
  </fieldset>`;
}

export function renderForm(form: FormSpec, extra: HtmlValue = ''): Html {
  const schema = schemaNamed(form.schema);
  const required = new Set([...(schema.required ?? []), ...(form.required ?? [])]);
  const values = form.values ?? {};
  const fields = Object.entries(schema.properties ?? {}).map(([key, raw]) => {
    const s = resolve(raw);
    const override = form.fields?.[key] ?? {};
    if (override.hidden === true) return '';
    if (s.type === 'array' && resolve(s.items ?? {}).type === 'object') {
      return objectList(form, key, s, values[key]);
    }
    if (s.type === 'object' && s.properties !== undefined) return group(form, key, s, values[key]);
    return field({
      form,
      name: key,
      key,
      schema: s,
      value: values[key],
      required: required.has(key),
      override,
    });
  });
  return apiForm(form, html`${fields} ${extra}`);
}

/**
 * The form console.js sends to the API as JSON (`method` to `action`, then `then`), with the
 * slot where it shows the API's error. For the generated forms and the few written by hand.
 */
export function apiForm(
  form: Pick<FormSpec, 'method' | 'action' | 'then' | 'submit'> & { id?: string },
  body: HtmlValue,
): Html {
  return html`<form
    ${form.id === undefined ? '' : html`id="${form.id}"`}
    class="api-form"
    data-api-method="${form.method}"
    data-api-path="${form.action}"
    data-then="${form.then}"
    novalidate
  >
    <div class="notice-slot" role="alert" aria-live="assertive"></div>
    ${body}
    <div class="actions"><button type="submit">${form.submit}</button></div>
  </form>`;
}

/** A button that calls the API (an action, a delete) and then follows `then`. */
export function apiButton(o: {
  method: 'PUT' | 'DELETE' | 'POST';
  path: string;
  label: string;
  then: string;
  confirm?: string;
  className?: string;
  /** Names what the button acts on, for screen readers (e.g. "Pause transfer 12"). */
  ariaLabel?: string;
}): Html {
  return html`<button
    type="button"
    class="${o.className ?? 'secondary'}"
    data-api-method="${o.method}"
    data-api-path="${o.path}"
    data-then="${o.then}"
    ${o.confirm === undefined ? '' : html` data-confirm="${o.confirm}"`}${o.ariaLabel === undefined ? '' : html` aria-label="${o.ariaLabel}"`}
  >
    ${o.label}
  </button>`;
}

/** A labelled `<input>` written by hand (log in, second factor, own password); `true`: a bare attribute. */
export function inputField(
  label: string,
  attrs: { id: string; name: string } & Record<string, string | true>,
): Html {
  const list = Object.entries(attrs).map(([k, v]) =>
    v === true ? html` ${trusted(k)}` : html` ${trusted(k)}="${v}"`,
  );
  return html`<div class="field"><label for="${attrs.id}">${label}</label><input${list} /></div>`;
}

/** A one-time code of the second factor (an authenticator app's). */
export const codeInput = {
  name: 'code',
  inputmode: 'numeric',
  autocomplete: 'one-time-code',
  required: true,
} as const;
