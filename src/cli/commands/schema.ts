import { Command } from 'commander';

export function schemaCommand(): Command {
  return new Command('schema')
    .description('print the JSON Schema of experiment files (for editor autocompletion)')
    .action(async () => {
      const { experimentJsonSchema } = await import('../../config/json-schema.js');
      console.log(JSON.stringify(experimentJsonSchema(), null, 2));
    });
}
