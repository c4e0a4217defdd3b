// Entry point of the platform's app: `npm run synth`, `cdk8s synth` (through cdk8s.yaml) and
// the `alp` command all run this file (bundled by bin/alp.js).
import { platformApp } from './charts';
import { run } from './platform';

process.exitCode = run(process.argv.slice(2), platformApp);
