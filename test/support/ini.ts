/** Writes a `gatewayd.ini` for tests from sections, with the caller's `extra` keys merged over them. */
import { writeFileSync } from 'node:fs';

export type IniSections = Record<string, Record<string, string>>;

export function writeIni(file: string, sections: IniSections, extra: IniSections = {}): void {
  const merged = { ...sections };
  for (const [name, keys] of Object.entries(extra)) merged[name] = { ...merged[name], ...keys };
  writeFileSync(
    file,
    Object.entries(merged)
      .map(
        ([name, keys]) =>
          `[${name}]\n` +
          Object.entries(keys)
            .map(([k, v]) => `${k} = ${v}`)
            .join('\n'),
      )
      .join('\n\n') + '\n',
  );
}
