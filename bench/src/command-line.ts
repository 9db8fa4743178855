/** The command line of this run, as a user would type it to repeat it (recorded in every result). */

const quote = (arg: string) => (/^[\w@%+=:,./-]+$/.test(arg) ? arg : `'${arg.replace(/'/g, `'\\''`)}'`);

export function benchCommand(argv: readonly string[] = process.argv.slice(2)): string {
  return `npm run bench -- ${argv.map(quote).join(' ')}`.trim();
}
