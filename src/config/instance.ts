/**
 * Why `name` cannot be a node name, or undefined when it can. The name becomes a file name
 * (`<configDir>/<name>.ini`), so path separators, `..` and hidden names are refused.
 */
export function checkInstanceName(name: string): string | undefined {
  if (!/^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$/.test(name)) {
    return `${JSON.stringify(name)} is not a valid node name (letters, digits, ".", "_", "-"; at most 64, starting with a letter or digit)`;
  }
  return undefined;
}
