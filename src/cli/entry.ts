import { main } from './main';

// Entry point when run from source (tests: `node --import tsx src/cli/entry.ts …`).
void main(process.argv.slice(2));
