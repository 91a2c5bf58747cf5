import type { Analyzer } from './analyzer.js';
import { analyzer as release } from './os/release/index.js';
import { analyzer as dpkg } from './os/dpkg/index.js';
import { analyzer as apk } from './os/apk/index.js';
import { analyzer as rpm } from './os/rpm/index.js';
import { analyzer as npm } from './lang/npm/index.js';
import { analyzer as python } from './lang/python/index.js';
import { analyzer as java } from './lang/java/index.js';
import { analyzer as golang } from './lang/golang/index.js';
import { analyzer as cargo } from './lang/cargo/index.js';
import { analyzer as gem } from './lang/gem/index.js';
import { analyzer as composer } from './lang/composer/index.js';
import { analyzer as nuget } from './lang/nuget/index.js';

/**
 * The explicit analyzer registry (DESIGN.md §3.2): one line per ecosystem, no side-effect registration.
 * A contract test checks that these ids equal the folder names under os/ and lang/.
 */
export const analyzers: readonly Analyzer[] = [release, dpkg, apk, rpm, npm, python, java, golang, cargo, gem, composer, nuget] as Analyzer[];
