import { definitionTypes, type DefinitionType } from '../core/cue/evaluator.ts';
import { VelahubError } from '../core/errors.ts';

/** Refuses a `type` filter (API query, page query) that is not a definition type; an absent one passes. */
export function checkDefinitionType(type: string | undefined): asserts type is DefinitionType | undefined {
  if (type && !definitionTypes.includes(type as DefinitionType)) {
    throw new VelahubError('EBAD_REQUEST', `type ${JSON.stringify(type)} is invalid: use one of ${definitionTypes.join(', ')}`);
  }
}
