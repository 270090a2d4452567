import catalogue from './activity-types.json';

/**
 * The documented activity types (copied from the Compliance API reference; see `source`
 * inside the JSON). Used by the simulator's generator, the normalization tests and the
 * mapping documentation. The forwarder itself never requires a type to be listed here:
 * unknown types pass through.
 */
export interface CatalogueField {
  readonly name: string;
  /** The reference's type text, e.g. `optional string or null`, `"blocked" or "unspecified"`. */
  readonly type: string;
  readonly description?: string;
}

export interface CatalogueType {
  readonly type: string;
  readonly description?: string;
  /** Actor variants the reference allows for this type. */
  readonly actors: readonly string[];
  readonly fields: readonly CatalogueField[];
  /**
   * The type exists but its field list is incomplete (`fields` may even be empty): events carry
   * fields the catalogue does not name, and they pass through like any unknown field.
   */
  readonly fields_unknown?: boolean;
}

export const ACTIVITY_TYPES: readonly CatalogueType[] = catalogue.activity_types;
export const ACTOR_VARIANTS: Readonly<Record<string, readonly CatalogueField[]>> = catalogue.actor_variants;
export const CATALOGUE_SOURCE: string = catalogue.source;
