/**
 * License names found in Python core metadata, mapped to SPDX ids where the mapping is unambiguous.
 *
 * Trove classifiers (https://pypi.org/classifiers/) are a closed vocabulary, so their license names map exactly
 * when they name one license and one version ("GNU General Public License v2 or later (GPLv2+)" →
 * GPL-2.0-or-later). Classifiers without a version ("Apache Software License", "BSD License",
 * "GNU General Public License (GPL)") name a family, not a license: they are kept as written rather than guessed.
 * The free-text `License:` field is only mapped for the spellings listed below; anything else stays text (an SPDX
 * id written as text is recognised by the SBOM encoders).
 */

/** Classifier leaf (the text after the last " :: ") → SPDX id. */
const CLASSIFIERS: ReadonlyMap<string, string> = new Map([
  ['MIT License', 'MIT'],
  ['MIT No Attribution License (MIT-0)', 'MIT-0'],
  ['ISC License (ISCL)', 'ISC'],
  ['Python Software Foundation License', 'PSF-2.0'],
  ['Mozilla Public License 1.0 (MPL)', 'MPL-1.0'],
  ['Mozilla Public License 1.1 (MPL 1.1)', 'MPL-1.1'],
  ['Mozilla Public License 2.0 (MPL 2.0)', 'MPL-2.0'],
  ['GNU General Public License v2 (GPLv2)', 'GPL-2.0-only'],
  ['GNU General Public License v2 or later (GPLv2+)', 'GPL-2.0-or-later'],
  ['GNU General Public License v3 (GPLv3)', 'GPL-3.0-only'],
  ['GNU General Public License v3 or later (GPLv3+)', 'GPL-3.0-or-later'],
  ['GNU Lesser General Public License v2 (LGPLv2)', 'LGPL-2.0-only'],
  ['GNU Lesser General Public License v2 or later (LGPLv2+)', 'LGPL-2.0-or-later'],
  ['GNU Lesser General Public License v3 (LGPLv3)', 'LGPL-3.0-only'],
  ['GNU Lesser General Public License v3 or later (LGPLv3+)', 'LGPL-3.0-or-later'],
  ['GNU Affero General Public License v3', 'AGPL-3.0-only'],
  ['GNU Affero General Public License v3 or later (AGPLv3+)', 'AGPL-3.0-or-later'],
  ['Eclipse Public License 1.0 (EPL-1.0)', 'EPL-1.0'],
  ['Eclipse Public License 2.0 (EPL-2.0)', 'EPL-2.0'],
  ['European Union Public Licence 1.1 (EUPL 1.1)', 'EUPL-1.1'],
  ['European Union Public Licence 1.2 (EUPL 1.2)', 'EUPL-1.2'],
  ['Boost Software License 1.0 (BSL-1.0)', 'BSL-1.0'],
  ['The Unlicense (Unlicense)', 'Unlicense'],
  ['zlib/libpng License', 'Zlib'],
  ['Universal Permissive License (UPL)', 'UPL-1.0'],
  ['Historical Permission Notice and Disclaimer (HPND)', 'HPND'],
  ['CC0 1.0 Universal (CC0 1.0) Public Domain Dedication', 'CC0-1.0'],
  ['Apache Software License 2.0', 'Apache-2.0'],
]);

/** Common free-text spellings of the `License:` field (compared case-insensitively, spaces collapsed). */
const FREE_TEXT: ReadonlyMap<string, string> = new Map([
  ['mit', 'MIT'],
  ['mit license', 'MIT'],
  ['the mit license', 'MIT'],
  ['mit licence', 'MIT'],
  ['apache 2.0', 'Apache-2.0'],
  ['apache-2.0', 'Apache-2.0'],
  ['apache 2', 'Apache-2.0'],
  ['apache license 2.0', 'Apache-2.0'],
  ['apache license, version 2.0', 'Apache-2.0'],
  ['apache license version 2.0', 'Apache-2.0'],
  ['apache software license 2.0', 'Apache-2.0'],
  ['asl 2', 'Apache-2.0'],
  ['bsd-2-clause', 'BSD-2-Clause'],
  ['bsd 2-clause', 'BSD-2-Clause'],
  ['bsd-3-clause', 'BSD-3-Clause'],
  ['bsd 3-clause', 'BSD-3-Clause'],
  ['3-clause bsd', 'BSD-3-Clause'],
  ['new bsd', 'BSD-3-Clause'],
  ['new bsd license', 'BSD-3-Clause'],
  ['isc', 'ISC'],
  ['isc license', 'ISC'],
  ['mpl-2.0', 'MPL-2.0'],
  ['mpl 2.0', 'MPL-2.0'],
  ['psf', 'PSF-2.0'],
  ['psf license', 'PSF-2.0'],
  ['python software foundation license', 'PSF-2.0'],
  ['gplv2', 'GPL-2.0-only'],
  ['gplv2+', 'GPL-2.0-or-later'],
  ['gplv3', 'GPL-3.0-only'],
  ['gplv3+', 'GPL-3.0-or-later'],
  ['lgplv3', 'LGPL-3.0-only'],
  ['lgplv3+', 'LGPL-3.0-or-later'],
  ['eclipse public license v2.0', 'EPL-2.0'],
  ['eclipse public license 2.0', 'EPL-2.0'],
  ['unlicense', 'Unlicense'],
  ['the unlicense', 'Unlicense'],
]);

/** The license a classifier names, or undefined when it is not a license classifier or names none. */
export function classifierLicense(classifier: string): string | undefined {
  if (!classifier.startsWith('License :: ')) return undefined;
  const leaf = classifier.slice(classifier.lastIndexOf(' :: ') + 4).trim();
  // "License :: OSI Approved" and "License :: DFSG approved" say something about a license, not which one.
  if (leaf === '' || leaf === 'OSI Approved' || leaf === 'DFSG approved') return undefined;
  return CLASSIFIERS.get(leaf) ?? leaf;
}

/** The SPDX id for a free-text license name, when it is one of the common unambiguous spellings. */
export function freeTextLicense(text: string): string | undefined {
  return FREE_TEXT.get(text.trim().replace(/\s+/g, ' ').toLowerCase());
}
