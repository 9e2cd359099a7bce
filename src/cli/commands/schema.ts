import { Command } from 'commander';
import { experimentJsonSchema } from '../../config/json-schema.js';

export function schemaCommand(): Command {
  return new Command('schema')
    .description('print the JSON Schema of experiment files (for editor autocompletion)')
    .action(() => {
      console.log(JSON.stringify(experimentJsonSchema(), null, 2));
    });
}
