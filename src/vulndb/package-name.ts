import type { Ecosystem } from '../core/index.js';

/**
 * Package names as advisories are keyed by, so that a feed's spelling and an analyzer's spelling meet.
 *  - pypi: PEP 503 normalised (https://peps.python.org/pep-0503/#normalized-names): "Jinja2" and "jinja2",
 *    "zope.interface" and "zope-interface" are one project;
 *  - composer and nuget: case-insensitive registries (Packagist names are lower case, NuGet ids compare
 *    case-insensitively), keyed in lower case;
 *  - everything else as written (npm, Go module paths, Maven "group:artifact", gems, crates and OS source packages
 *    are case-sensitive).
 */
export function pep503(name: string): string {
  return name.toLowerCase().replace(/[-_.]+/g, '-');
}

/** The key `VulnStore.lookup` matches on; feeds and the matcher may pass names in any spelling the ecosystem allows. */
export function packageKey(ecosystem: Ecosystem, name: string): string {
  switch (ecosystem) {
    case 'pypi':
      return pep503(name);
    case 'composer':
    case 'nuget':
      return name.toLowerCase();
    default:
      return name;
  }
}
