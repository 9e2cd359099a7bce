// PLACEHOLDER (written by the lead so the CLI builds): helper-2 replaces this file.
import { Command } from 'commander';
import { NotImplementedError } from '../../model/errors.js';

export function simulateCommand(): Command {
  return new Command('simulate').description('simulate bandit policies (in progress)').action(() => {
    throw new NotImplementedError('metaorch simulate');
  });
}
