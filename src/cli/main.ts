import { Command, CommanderError, Option } from 'commander';
import { toolVersion } from '../infra/index.js';
import { ExitCode, exitCodeFor } from './exit-codes.js';
import { createOutput } from './output.js';

/**
 * Builds the command tree. Command implementations are imported lazily inside the actions so that
 * `tollgate --version` and `--help` load nothing heavy.
 */
export function buildProgram(onExit: (code: number) => void): Command {
  const program = new Command('tollgate');
  program
    .description('Container supply-chain security: SBOMs and vulnerability scans of images, signatures, admission control.')
    .version(toolVersion(), '-v, --version', 'print the version')
    .option('-q, --quiet', 'no progress, no warnings on stderr')
    .option('--debug', 'verbose diagnostics on stderr')
    .showHelpAfterError('(run with --help for usage)')
    .configureOutput({ outputError: (str, write) => write(str) })
    .exitOverride();

  const registryOptions = (cmd: Command) =>
    cmd
      .option('--username <user>', 'registry user name (env TOLLGATE_USERNAME)')
      .option('--password <password>', 'registry password or token (env TOLLGATE_PASSWORD; prefer the env var)')
      .option('--insecure', 'allow plain HTTP and unverified TLS for non-loopback registries')
      .option('--ca-file <file>', 'PEM bundle of extra CAs trusted for registries (env SSL_CERT_FILE)')
      .option('--platform <os/arch[/variant]>', 'platform to read from a multi-platform image (default linux/amd64)');

  const sbom = program
    .command('sbom')
    .summary('list the OS packages and application dependencies of an image as an SBOM')
    .description(
      'Read an image and write its software bill of materials.\n\n' +
        'SOURCE is a registry reference (alpine:3.19, ghcr.io/org/app@sha256:…, optional registry: prefix),\n' +
        'oci-dir:PATH[:TAG] (OCI image layout), docker-archive:FILE[:NAME:TAG|@N] (docker save output, plain or gzip),\n' +
        'or dir:PATH (an unpacked root filesystem).',
    )
    .argument('<source>', 'image to read')
    .addOption(
      new Option('-f, --format <format>', 'output format')
        .choices(['cyclonedx', 'cyclonedx-json', 'spdx', 'spdx-json', 'json'])
        .default('cyclonedx'),
    )
    .option('-o, --output <file>', 'write to FILE instead of stdout')
    .option('--cache-dir <dir>', 'layer analysis cache (default $XDG_CACHE_HOME/tollgate)')
    .option('--no-cache', 'do not read or write the layer cache')
    .option('--attest', 'also attach the SBOM to the image as a signed CycloneDX attestation (needs --key; registry images only)')
    .option('--key <ref>', 'private key for --attest (file, env://VAR or k8s://ns/secret)')
    .addOption(new Option('--form <form>', 'storage of the --attest attestation: legacy (.att tag), bundle (OCI 1.1 referrer), or both (default)').choices(['both', 'legacy', 'bundle']));
  registryOptions(sbom);
  sbom.action(async (source: string, opts: Record<string, unknown>) => {
    const { runSbom } = await import('./commands/sbom.js');
    onExit(await runSbom(source, { ...program.opts(), ...opts }));
  });

  const scan = program
    .command('scan')
    .summary('list the known vulnerabilities of an image or SBOM, with severities and fixed versions')
    .description(
      'Read an image (or an SBOM) and match its packages against the local vulnerability database.\n\n' +
        'SOURCE is anything `sbom` reads (registry reference, oci-dir:, docker-archive:, dir:) or sbom:FILE\n' +
        '(CycloneDX or SPDX JSON from Tollgate, Trivy or Syft, or an in-toto attestation wrapping one).\n' +
        'The database is built on first use and refreshed when older than 24 hours, unless --skip-db-update or\n' +
        '--offline (see `tollgate db update --from DIR` for air-gapped installs).\n\n' +
        'Exit codes: 0 no finding passed the filters (or --exit-code 0), N (--exit-code N) findings passed them,\n' +
        '2 usage error, 3 operational error or an INCOMPLETE scan (part of the image could not be analysed/matched).',
    )
    .argument('<source>', 'image or sbom:FILE to scan')
    .addOption(
      new Option('-f, --format <format>', 'output format').choices(['table', 'json', 'sarif', 'cyclonedx', 'junit', 'markdown']).default('table'),
    )
    .option('-o, --output <file>', 'write to FILE instead of stdout')
    .option('-s, --severity <list>', 'only these severities (comma list of UNKNOWN,NEGLIGIBLE,LOW,MEDIUM,HIGH,CRITICAL)')
    .option('--ignore-unfixed', 'only vulnerabilities that have a fixed version')
    .option('--exit-code <n>', 'exit with N when a finding passes the filters (default 0)')
    .option('--ignorefile <file>', 'ignore file, .trivyignore syntax (ids, exp:YYYY-MM-DD) or its YAML form (default .trivyignore / .trivyignore.yaml if present)')
    .option('--vex <file>', 'OpenVEX or CycloneDX VEX document; not_affected/fixed statements suppress findings (repeatable)', (v: string, prev: string[] = []) => [...prev, v])
    .option('--only-kev', "only vulnerabilities in CISA's Known Exploited Vulnerabilities catalog")
    .option('--min-epss <p>', 'only vulnerabilities whose EPSS probability is at least P (0–1, or a percentage)')
    .option('--db <path>', 'vulnerability database file (default $XDG_CACHE_HOME/tollgate/db/tollgate.db, env TOLLGATE_DB)')
    .option('--skip-db-update', 'never build or refresh the database (fail if there is none)')
    .option('--offline', 'no network for the database (like --skip-db-update)')
    .option('--cache-dir <dir>', 'layer analysis cache (default $XDG_CACHE_HOME/tollgate)')
    .option('--no-cache', 'do not read or write the layer cache')
    .option('--attest', 'also attach the report to the image as a signed cosign vuln attestation (needs --key; registry images only)')
    .option('--key <ref>', 'private key for --attest (file, env://VAR or k8s://ns/secret)')
    .addOption(new Option('--form <form>', 'storage of the --attest attestation: legacy (.att tag), bundle (OCI 1.1 referrer), or both (default)').choices(['both', 'legacy', 'bundle']));
  registryOptions(scan);
  scan.action(async (source: string, opts: Record<string, unknown>) => {
    const { runScan } = await import('./commands/scan.js');
    onExit(await runScan(source, { ...program.opts(), ...opts } as unknown as Parameters<typeof runScan>[1]));
  });

  const policy = program.command('policy').summary('validate, convert and test admission policies (ClusterImagePolicy)');
  policy
    .command('validate')
    .description('Check Tollgate policy files (FILE, or DIR for its *.yaml / *.yml files) and report every problem with its file,\n' +
      'line, column and field path (see docs/policy.md).\n\nExit codes: 0 valid, 2 problems found or unreadable files.')
    .argument('<paths...>', 'policy files or directories')
    .addOption(new Option('-f, --format <format>', 'output format').choices(['text', 'json']).default('text'))
    .action(async (paths: string[], opts: { format?: string }) => {
      const { runPolicyValidate } = await import('./commands/policy.js');
      onExit(await runPolicyValidate(paths, { ...program.opts(), ...opts }));
    });
  policy
    .command('convert')
    .description('Translate Kyverno ClusterPolicy/Policy verifyImages rules, Kyverno ImageValidatingPolicy and Sigstore\n' +
      'policy-controller ClusterImagePolicy documents into Tollgate policies (YAML on stdout or -o), and list on stderr,\n' +
      'with file, line and field, everything that could not be translated.\n\n' +
      'Exit codes: 0 at least one policy written, 1 nothing could be translated, 2 unreadable input.')
    .argument('<files...>', 'policy files or directories (- for standard input)')
    .option('-o, --output <file>', 'write the Tollgate policies to FILE instead of stdout')
    .addOption(new Option('--notes <which>', 'which notes to list: actionable (not translated, invalid, skipped) or all').choices(['actionable', 'all']).default('actionable'))
    .action(async (files: string[], opts: { output?: string; notes?: string }) => {
      const { runPolicyConvert } = await import('./commands/policy.js');
      onExit(await runPolicyConvert(files, { ...program.opts(), ...opts }));
    });
  const policyTest = policy
    .command('test')
    .description('Evaluate Kubernetes manifests (multi-document YAML or JSON: Helm and kustomize output, kind: List) with the\n' +
      "admission webhook's engine and print, per object, image and rule, what would happen. Pods and the pod templates\n" +
      'of Deployments, ReplicaSets, StatefulSets, DaemonSets, Jobs, CronJobs and ReplicationControllers are checked,\n' +
      'containers, initContainers and ephemeralContainers alike. Signature, attestation and vulnerability rules need the\n' +
      'registry; with --offline they fail as "not verified (offline)".\n\n' +
      'Exit codes: 0 every object would be admitted, 1 at least one would be denied, 2 usage error (a policy file\n' +
      'problem, with file, line and field), 3 operational error.')
    .argument('<manifests...>', 'manifest files (- for standard input)')
    .requiredOption('--policy <path>', 'policy file or directory (repeatable)', (v: string, prev: string[] = []) => [...prev, v])
    .addOption(new Option('-f, --format <format>', 'output format').choices(['table', 'json', 'sarif']).default('table'))
    .option('-o, --output <file>', 'write to FILE instead of stdout')
    .option('--offline', 'do not contact registries: signature, attestation and vulnerability rules fail as not verified')
    .addOption(new Option('--unmatched <action>', 'what to do with images no policy matches').choices(['allow', 'deny']).default('allow'))
    .option('--namespace <namespace>', 'namespace of objects that name none (default "default")')
    .option('--db <path>', 'vulnerability database for vulnerability rules (default $XDG_CACHE_HOME/tollgate/db/tollgate.db, env TOLLGATE_DB)')
    .option('--username <user>', 'registry user name (env TOLLGATE_USERNAME)')
    .option('--password <password>', 'registry password or token (env TOLLGATE_PASSWORD; prefer the env var)')
    .option('--docker-config <dir>', 'docker config directory for registry credentials (default $DOCKER_CONFIG or ~/.docker)')
    .option('--insecure', 'allow plain HTTP and unverified TLS for non-loopback registries')
    .option('--ca-file <file>', 'PEM bundle of extra CAs trusted for registries (env SSL_CERT_FILE)')
    .option('--trusted-root <file>', 'keyless authorities: Sigstore trusted_root.json (default $TOLLGATE_TRUSTED_ROOT, else the cached public-good root)')
    .option('--trust-root <name=file>', 'keyless authorities with trustRootRef NAME: their trusted_root.json (repeatable)', (v: string, prev: string[] = []) => [...prev, v])
    .option('--notation-trust-store <dir>', 'notation authorities: the trust store folder holding x509/{ca,signingAuthority,tsa}/<name>/')
    .option('--cache-dir <dir>', 'where the public-good trusted_root.json is cached (sigstore/trusted_root.json; default $XDG_CACHE_HOME/tollgate)');
  policyTest.action(async (manifests: string[], opts: Record<string, unknown>) => {
    const { runPolicyTest } = await import('./commands/policy.js');
    onExit(await runPolicyTest(manifests, { ...program.opts(), ...opts } as unknown as Parameters<typeof runPolicyTest>[1]));
  });

  const webhook = program.command('webhook').summary('the Kubernetes admission webhook: serve it, make its certificates');
  webhook
    .command('serve')
    .summary('serve /validate and /mutate for kube-apiserver over HTTPS')
    .description(
      'Run the admission webhook (docs/admission.md): AdmissionReviews on /validate and /mutate (digest pinning),\n' +
        '/healthz, /readyz, /metrics. Certificate and policy files are re-read when they change. SIGTERM stops gracefully.\n' +
        'Key, keyless (offline, against --trusted-root / --trust-root NAME=FILE) and Notation (--notation-trust-store)\n' +
        'authorities are verified.',
    )
    .requiredOption('--policy <file|dir>', 'ClusterImagePolicy file, or folder of *.yaml (a mounted ConfigMap)')
    .requiredOption('--tls-cert <file>', 'serving certificate (PEM)')
    .requiredOption('--tls-key <file>', 'serving key (PEM)')
    .option('--port <n>', 'HTTPS port', '8443')
    .option('--host <address>', 'address to listen on (default 0.0.0.0)')
    .option('--timeout <duration>', "the webhook configurations' timeoutSeconds; facts are awaited until 1s before it", '10s')
    .option('--audit-log <file|->', 'append one JSON line per decision to FILE, or - for stdout')
    .option('--exclude-namespaces <list>', 'namespaces admitted untouched (comma list)', 'kube-system')
    .addOption(new Option('--unmatched <action>', 'images no policy matches').choices(['allow', 'deny']).default('allow'))
    .option('--cache-ttl <duration>', 'how long verified facts are kept', '5m')
    .option('--negative-cache-ttl <duration>', 'how long failures and unverified results are kept', '10s')
    .option('--tag-cache-ttl <duration>', 'how long a tag → digest resolution is kept', '30s')
    .option('--cache-size <n>', 'entries per cache', '10000')
    .option('--reload-interval <duration>', 'how often certificate and policy files are checked', '10s')
    .option('--docker-config <dir>', 'folder of the Docker config.json with registry credentials (default $DOCKER_CONFIG or ~/.docker)')
    .option('--pull-secrets', "use the admitted pods' imagePullSecrets (and their service account's), read through the Kubernetes API (default: on in a cluster)")
    .option('--no-pull-secrets', 'do not read image pull secrets (only --docker-config and --username/--password)')
    .option('--pull-secret-ttl <duration>', 'how long a pull secret or service account read from the API is used', '60s')
    .option('--db <path>', 'vulnerability database, for policies with a vulnerabilities rule')
    .option('--username <user>', 'registry user name (env TOLLGATE_USERNAME)')
    .option('--password <password>', 'registry password or token (env TOLLGATE_PASSWORD; prefer the env var)')
    .option('--insecure', 'allow plain HTTP and unverified TLS for non-loopback registries')
    .option('--ca-file <file>', 'PEM bundle of extra CAs trusted for registries (env SSL_CERT_FILE)')
    .option('--trusted-root <file>', 'keyless authorities: Sigstore trusted_root.json (Fulcio CAs, CT logs, Rekor keys; default $TOLLGATE_TRUSTED_ROOT, else the cached public-good root)')
    .option('--trust-root <name=file>', 'keyless authorities with trustRootRef NAME: their trusted_root.json (repeatable); an unknown trustRootRef denies', (v: string, prev: string[] = []) => [...prev, v])
    .option('--notation-trust-store <dir>', "notation authorities: the trust store folder holding x509/{ca,signingAuthority,tsa}/<name>/ (the authorities' trustStores)")
    .option('--cache-dir <dir>', 'where the public-good trusted_root.json is cached (sigstore/trusted_root.json; default $XDG_CACHE_HOME/tollgate)')
    .action(async (opts: Record<string, unknown>) => {
      const { runWebhookServe } = await import('./commands/webhook.js');
      onExit(await runWebhookServe({ ...program.opts(), ...opts } as unknown as Parameters<typeof runWebhookServe>[0]));
    });
  webhook
    .command('certs')
    .summary('create a CA and a serving certificate for the webhook Service; print the caBundle')
    .description(
      'Write ca.crt, ca.key, tls.crt, tls.key (keys 0600) to --out: a private CA and a certificate for NAME, NAME.NS,\n' +
        "NAME.NS.svc and NAME.NS.svc.cluster.local. Prints the CA as base64 (the webhook configurations' caBundle).",
    )
    .requiredOption('--service <name>', 'the webhook Service name')
    .requiredOption('--namespace <ns>', 'the webhook Service namespace')
    .option('--out <dir>', 'output folder', '.')
    .option('--days <n>', 'validity of the serving certificate in days', '365')
    .option('--force', 'replace existing files')
    .action(async (opts: Record<string, unknown>) => {
      const { runWebhookCerts } = await import('./commands/webhook.js');
      onExit(await runWebhookCerts({ ...program.opts(), ...opts } as unknown as Parameters<typeof runWebhookCerts>[0]));
    });

  const db = program.command('db').summary('build and inspect the local vulnerability database');
  db.command('update')
    .description(
      'Build the vulnerability database from the upstream feeds (OSV/GHSA, NVD, CVE 5, CISA KEV, EPSS, distro trackers…),\n' +
        'or offline from a mirror folder with the same layout (--from DIR). The new database replaces the old one only\n' +
        'when it is complete: a failed or interrupted update leaves the previous database usable.',
    )
    .option('--from <dir>', 'read an offline mirror folder instead of downloading')
    .option('--db <path>', 'database file (env TOLLGATE_DB; default $XDG_CACHE_HOME/tollgate/db/tollgate.db)')
    .option('--feeds <list>', 'comma-separated feed ids to build from (default: all found)')
    .action(async (opts: { from?: string; db?: string; feeds?: string }) => {
      const { runDbUpdate } = await import('./commands/db.js');
      onExit(await runDbUpdate({ ...program.opts(), ...opts }));
    });
  db.command('status')
    .description('Print the sources, record counts per ecosystem and feed, build time and age of the database.')
    .option('--db <path>', 'database file (env TOLLGATE_DB; default $XDG_CACHE_HOME/tollgate/db/tollgate.db)')
    .addOption(new Option('-f, --format <format>', 'output format').choices(['table', 'json']).default('table'))
    .action(async (opts: { db?: string; format?: string }) => {
      const { runDbStatus } = await import('./commands/db.js');
      onExit(await runDbStatus({ ...program.opts(), ...opts }));
    });

  const collect = (value: string, previous: string[] = []) => [...previous, value];
  const formOption = () =>
    new Option('--form <form>', 'storage: legacy (cosign sha256-<hex>.sig/.att tags), bundle (Sigstore bundle as an OCI 1.1 referrer), or both')
      .choices(['both', 'legacy', 'bundle'])
      .default('both');

  // cosign's keyless signing flags (sign, attest).
  const keylessSignOptions = (cmd: Command) =>
    cmd
      .option('--identity-token <token>', 'keyless: OIDC identity token (JWT) for Fulcio, or a file holding it (default $SIGSTORE_ID_TOKEN)')
      .option('--fulcio-url <url>', 'keyless: Fulcio certificate authority (default https://fulcio.sigstore.dev)')
      .option('--rekor-url <url>', 'keyless: Rekor transparency log (default https://rekor.sigstore.dev)')
      .option('--timestamp-server-url <url>', 'keyless: also timestamp each signature at this RFC 3161 timestamp authority (Sigstore TSA API)')
      .option('--tlog-upload [bool]', 'with --key: accepted for cosign compatibility and ignored (nothing is uploaded); keyless: always uploaded');
  const keylessSignHelp =
    'Keyless (no --key; --identity-token or $SIGSTORE_ID_TOKEN, as cosign): Fulcio issues a short-lived certificate for\n' +
    'the identity in the OIDC token to a key made in memory for this run (never written, never shown), each signature\n' +
    'is recorded in Rekor, and the certificate, its chain and the Rekor entry are stored with it (.sig/.att layer\n' +
    'annotations; in the bundle). Nothing is written to the registry unless Fulcio and Rekor both succeed.';

  const sign = program
    .command('sign')
    .summary('sign an image with a key or keylessly (Fulcio, Rekor) and attach the signature as cosign does')
    .description(
      'Sign IMAGE as `cosign sign` does, with a private key (--key) or keylessly. A tag is resolved to its digest and the\n' +
        'digest is signed. The signature is stored as cosign stores it: a layer of the sha256-<hex>.sig image and/or a\n' +
        'Sigstore bundle attached as an OCI 1.1 referrer (--form). With --key nothing is uploaded to a transparency log.\n\n' +
        keylessSignHelp,
    )
    .argument('<image>', 'image to sign (registry reference)')
    .option('--key <file>', 'private key file (or env://VAR, k8s://ns/secret); without it, keyless signing')
    .option('-a, --annotations <key=value>', 'annotation to sign with the image (repeatable)', collect, [])
    .option('--recursive', 'also sign every platform image of a multi-platform index')
    .addOption(formOption())
    .option('--notation', 'sign as `notation sign` does: a JWS (or COSE) envelope attached as an OCI 1.1 referrer; needs --key (plain PEM) and --cert')
    .option('--cert <file>', 'with --notation: PEM certificate chain of the key, leaf first, ending with the root')
    .addOption(new Option('--envelope <type>', 'with --notation: envelope format').choices(['jws', 'cose']).default('jws'))
    .option('--expiry <duration>', 'with --notation: signature expiry (io.cncf.notary.expiry), e.g. 24h or 30d');
  keylessSignOptions(sign);
  registryOptions(sign);
  sign.action(async (image: string, opts: Record<string, unknown>) => {
    if (opts.notation) {
      const { runNotationSign } = await import('./commands/notation-sign.js');
      onExit(await runNotationSign(image, { ...program.opts(), ...opts } as unknown as Parameters<typeof runNotationSign>[1]));
      return;
    }
    const { runSign } = await import('./commands/sign.js');
    onExit(await runSign(image, { ...program.opts(), ...opts } as unknown as Parameters<typeof runSign>[1]));
  });

  // cosign's keyless verification flags (verify, verify-attestation).
  const keylessVerifyOptions = (cmd: Command) =>
    cmd
      .option('--certificate-identity <identity>', 'keyless: expected signer, a subject alternative name of the certificate (email, URI…), exactly')
      .option('--certificate-identity-regexp <re>', 'keyless: expected signer as a Go RE2 regular expression (NOT anchored, as in cosign: write ^…$)')
      .option('--certificate-oidc-issuer <url>', 'keyless: expected OIDC issuer of the certificate, exactly')
      .option('--certificate-oidc-issuer-regexp <re>', 'keyless: expected OIDC issuer as a Go RE2 regular expression (NOT anchored)')
      .option('--trusted-root <file>', 'keyless: trusted_root.json (Fulcio CAs, CT logs, Rekor keys; default $TOLLGATE_TRUSTED_ROOT, else the cached public-good root)')
      .option('--cache-dir <dir>', 'keyless: where the public-good trusted_root.json is cached (sigstore/trusted_root.json; default $XDG_CACHE_HOME/tollgate)');
  const keylessVerifyHelp =
    'Keyless signatures (a Fulcio certificate, cosign sign without --key) are verified with --certificate-identity[-regexp] ' +
    'and --certificate-oidc-issuer[-regexp], offline: the certificate must chain to a Fulcio CA of the trusted root at the ' +
    'time the transparency log recorded, with a valid SCT, and the Rekor inclusion promise (or proof) must verify with ' +
    'its keys; Rekor is never queried. Both storage forms are read: the .sig/.att layer annotations ' +
    '(dev.sigstore.cosign/certificate, chain, bundle) and Sigstore bundle referrers. The trusted root is --trusted-root, ' +
    'else $TOLLGATE_TRUSTED_ROOT, else <cache dir>/sigstore/trusted_root.json; without one, verification fails (exit 2). ' +
    '--key and the identity flags may be combined: signatures with a certificate are checked keylessly, the others with the keys.';

  const verify = program
    .command('verify')
    .summary('verify the signatures of an image with public keys or keylessly (Fulcio certificate identity)')
    .description(
      'Verify the signatures of IMAGE as `cosign verify` does: cosign sha256-<hex>.sig signatures and Sigstore bundle ' +
        'referrers, each checked against the keys (--key) or the certificate identity, and against the image digest. ' +
        'IMAGE is a registry reference or oci-dir:PATH[:TAG] (a layout written by `tollgate save` or `cosign save`; no ' +
        'registry needed). Prints the verified payloads (JSON; keyless ones with optional.Subject and optional.Issuer, as ' +
        'cosign) on stdout. Exit 0 only if at least one signature verifies, 1 if none does.\n\n' +
        keylessVerifyHelp,
    )
    .argument('<image>', 'image to verify')
    .option('--key <file-or-dir>', 'trusted public key, or a directory of *.pub/*.pem keys (repeatable: any of them verifies)', collect)
    .option('-a, --annotations <key=value>', 'require this annotation in the signed payload (repeatable)', collect, [])
    .addOption(new Option('--output <format>', 'output format').choices(['json', 'text']).default('json'))
    .option('--check-reference', "also require the payload's docker-reference to name this repository (cosign does not check it)")
    .option('--notation', 'verify Notation (Notary Project) signatures against a trust policy and trust store instead of cosign signatures')
    .option('--trust-policy <file>', 'with --notation: the Notary Project trust policy (trustpolicy.json, version 1.0)')
    .option('--trust-store <dir>', 'with --notation: the trust store folder holding x509/{ca,signingAuthority,tsa}/<name>/');
  keylessVerifyOptions(verify);
  registryOptions(verify);
  verify.action(async (image: string, opts: Record<string, unknown>) => {
    if (opts.notation) {
      const { runNotationVerify } = await import('./commands/notation-verify.js');
      onExit(await runNotationVerify(image, { ...program.opts(), ...opts } as unknown as Parameters<typeof runNotationVerify>[1]));
      return;
    }
    const { runVerify } = await import('./commands/verify.js');
    onExit(await runVerify(image, { ...program.opts(), ...opts } as unknown as Parameters<typeof runVerify>[1]));
  });

  const attest = program
    .command('attest')
    .summary('attach a signed in-toto attestation (SLSA, SBOM, vulnerabilities, VEX…) to an image')
    .description(
      'Sign an in-toto statement about IMAGE (its digest) with PREDICATE as a DSSE envelope, with a private key (--key)\n' +
        'or keylessly, and attach it as cosign does: a layer of the sha256-<hex>.att image and/or a Sigstore bundle\n' +
        'referrer (--form). Keyless attestations are recorded in Rekor (an intoto entry for the .att layer, a dsse entry\n' +
        'for the bundle).\n\n' +
        keylessSignHelp,
    )
    .argument('<image>', 'image to attest (registry reference)')
    .option('--key <file>', 'private key file (or env://VAR, k8s://ns/secret); without it, keyless signing')
    .option('--type <type>', 'predicate type: slsaprovenance, slsaprovenance02, slsaprovenance1, link, spdx, spdxjson, cyclonedx, vuln, openvex, custom, or a URI', 'custom')
    .requiredOption('--predicate <file>', 'the predicate file')
    .option('--recursive', 'also attest every platform image of a multi-platform index')
    .addOption(formOption());
  keylessSignOptions(attest);
  registryOptions(attest);
  attest.action(async (image: string, opts: Record<string, unknown>) => {
    const { runAttest } = await import('./commands/attest.js');
    onExit(await runAttest(image, { ...program.opts(), ...opts } as unknown as Parameters<typeof runAttest>[1]));
  });

  const verifyAttestation = program
    .command('verify-attestation')
    .summary('verify the attestations of an image with public keys or keylessly (Fulcio certificate identity)')
    .description(
      'Verify the attestations of IMAGE of the given --type as `cosign verify-attestation` does (DSSE signature, ' +
        'payload type, subject digest, predicate type). IMAGE may be oci-dir:PATH[:TAG]. Prints each verified envelope ' +
        '(--output text) or the statements as a JSON array (--output json). Exit 0 only if at least one verifies.\n\n' +
        keylessVerifyHelp,
    )
    .argument('<image>', 'image whose attestations to verify')
    .option('--key <file-or-dir>', 'trusted public key, or a directory of keys (repeatable)', collect)
    .option('--type <type>', 'predicate type to look for (see attest --type)', 'custom')
    .option('-a, --annotations <key=value>', "require this annotation on the statement's subject (repeatable)", collect, [])
    .addOption(new Option('--output <format>', 'output format').choices(['text', 'json']).default('text'));
  keylessVerifyOptions(verifyAttestation);
  registryOptions(verifyAttestation);
  verifyAttestation.action(async (image: string, opts: Record<string, unknown>) => {
    const { runVerifyAttestation } = await import('./commands/verify-attestation.js');
    onExit(await runVerifyAttestation(image, { ...program.opts(), ...opts } as unknown as Parameters<typeof runVerifyAttestation>[1]));
  });

  const save = program
    .command('save')
    .summary('save an image with its signatures and attestations as an OCI layout (air-gapped verification)')
    .description(
      'Write IMAGE (every platform), its cosign signature and attestation images and its OCI 1.1 referrers to an OCI image\n' +
        'layout, as `cosign save` does. `tollgate verify oci-dir:PATH` then needs no registry; `tollgate load` pushes it back.',
    )
    .argument('<image>', 'image to save (registry reference)')
    .requiredOption('--dir <path>', 'directory of the OCI layout (created if needed)');
  registryOptions(save);
  save.action(async (image: string, opts: Record<string, unknown>) => {
    const { runSave } = await import('./commands/save.js');
    onExit(await runSave(image, { ...program.opts(), ...opts } as unknown as Parameters<typeof runSave>[1]));
  });

  const load = program
    .command('load')
    .summary('push an OCI layout written by save (or cosign save) to a registry')
    .description('Push the image, signatures, attestations and referrers of an OCI layout to IMAGE, as `cosign load` does.')
    .argument('<image>', 'where to push (repository with optional tag)')
    .requiredOption('--dir <path>', 'directory of the OCI layout');
  registryOptions(load);
  load.action(async (image: string, opts: Record<string, unknown>) => {
    const { runLoad } = await import('./commands/load.js');
    onExit(await runLoad(image, { ...program.opts(), ...opts } as unknown as Parameters<typeof runLoad>[1]));
  });

  const cache = program.command('cache').summary('manage the local cache');
  cache
    .command('clean')
    .description('delete the layer analysis cache')
    .option('--cache-dir <dir>', 'cache directory (default $XDG_CACHE_HOME/tollgate)')
    .action(async (opts: { cacheDir?: string }) => {
      const { runCacheClean } = await import('./commands/cache.js');
      onExit(await runCacheClean({ ...program.opts(), ...opts }));
    });

  program
    .command('generate-key-pair')
    .summary('create a cosign key pair: <prefix>.key (encrypted private key) and <prefix>.pub')
    .description(
      "Write a new ECDSA P-256 key pair in cosign's format: <prefix>.key, encrypted with a password (scrypt + NaCl\n" +
        "secretbox, mode 0600), and <prefix>.pub (PEM public key). cosign reads both; Tollgate reads cosign's.\n" +
        'The password comes from COSIGN_PASSWORD (or TOLLGATE_PASSWORD; an empty value is an empty password), or is\n' +
        'asked twice on a terminal. Existing files are never overwritten without --force.',
    )
    .option('--output-key-prefix <prefix>', 'name of the .key and .pub files', 'cosign')
    .option('--force', 'overwrite existing key files')
    .action(async (opts: { outputKeyPrefix: string; force?: boolean }) => {
      const { runGenerateKeyPair } = await import('./commands/generate-key-pair.js');
      onExit(await runGenerateKeyPair({ ...program.opts(), ...opts }));
    });

  program
    .command('import-key-pair')
    .summary('import a PEM private key (PKCS#8, EC, RSA, Ed25519) as a cosign key pair')
    .description(
      'Re-write a plain PEM private key made by another tool (PRIVATE KEY, EC PRIVATE KEY or RSA PRIVATE KEY) as a\n' +
        "cosign key pair: <prefix>.key encrypted in cosign's format and <prefix>.pub. Password as for generate-key-pair.",
    )
    .requiredOption('-k, --key <file>', 'plain PEM private key to import')
    .option('-o, --output-key-prefix <prefix>', 'name of the .key and .pub files', 'import-cosign')
    .option('--force', 'overwrite existing key files')
    .option('-y, --yes', "overwrite existing key files (cosign's flag)")
    .action(async (opts: { key: string; outputKeyPrefix: string; force?: boolean; yes?: boolean }) => {
      const { runImportKeyPair } = await import('./commands/import-key-pair.js');
      onExit(await runImportKeyPair({ ...program.opts(), ...opts }));
    });

  program
    .command('verify-bundle')
    .summary('verify a Sigstore bundle for a blob, offline against a trusted root (cosign verify-blob --bundle)')
    .description(
      'Verify a Sigstore bundle (v0.1–v0.3: message signature or DSSE envelope, Fulcio certificate or public key, ' +
        'Rekor v1/v2 entries, RFC 3161 timestamps) by the Sigstore client specification, offline: the bundle and the ' +
        'trusted root are all it uses, Rekor is never queried.\n\n' +
        'Give the artifact (--artifact FILE) or only its digest (--digest sha256:HEX); for a DSSE bundle the artifact ' +
        "must be a subject of its in-toto statement. Keyless bundles need the signer's identity and OIDC issuer " +
        '(exact values, or Go RE2 regular expressions which, as in cosign, are NOT anchored: write ^…$); key-signed ' +
        'bundles need --key. The trusted root is --trusted-root FILE, else the public-good trusted_root.json cached at ' +
        '$XDG_CACHE_HOME/tollgate/sigstore/trusted_root.json (`tollgate trusted-root update`), else the one embedded in ' +
        '@sigstore/tuf (with a note on stderr).\n\n' +
        'Exit codes: 0 verified, 1 not verified (the reason and its code on stderr), 2 usage error, ' +
        '3 unusable input (unreadable or malformed bundle, trusted root or key).',
    )
    .requiredOption('--bundle <file>', 'Sigstore bundle (JSON)')
    .option('--artifact <file>', 'the signed artifact')
    .option('--digest <digest>', 'only the digest of the artifact, sha256:<hex> (also sha384:, sha512:)')
    .option('--trusted-root <file>', 'trusted_root.json (Fulcio CAs, Rekor, CT logs, timestamp authorities)')
    .option('--certificate-identity <identity>', 'expected signer: a subject alternative name of the certificate, exactly')
    .option('--certificate-identity-regexp <re>', 'expected signer as a Go RE2 regular expression (unanchored)')
    .option('--certificate-oidc-issuer <url>', 'expected OIDC issuer of the certificate, exactly')
    .option('--certificate-oidc-issuer-regexp <re>', 'expected OIDC issuer as a Go RE2 regular expression (unanchored)')
    .option('--key <ref>', 'trusted public key: PEM file, directory of *.pub/*.pem, env://VAR or k8s://ns/secret (repeatable)', (v: string, prev: string[] = []) => [...prev, v])
    .option('--insecure-ignore-tlog', 'accept a key-signed bundle without transparency-log entry (entries present are still verified)')
    .addOption(new Option('-f, --format <format>', 'output format').choices(['text', 'json']).default('text'))
    .option('--cache-dir <dir>', 'where the default trusted root is cached (default $XDG_CACHE_HOME/tollgate)')
    .action(async (opts: Record<string, unknown>) => {
      const { runVerifyBundle } = await import('./commands/verify-bundle.js');
      onExit(await runVerifyBundle({ ...program.opts(), ...opts } as unknown as Parameters<typeof runVerifyBundle>[0]));
    });

  const trustedRoot = program.command('trusted-root').summary('fetch (through TUF) and show the Sigstore trusted root used for keyless verification');
  trustedRoot
    .command('update')
    .summary('fetch the public-good trusted_root.json through TUF and cache it')
    .description(
      "Fetch trusted_root.json (Fulcio CAs, Rekor and CT log keys, timestamp authorities) from Sigstore's TUF " +
        "repository with Sigstore's own TUF client (@sigstore/tuf), verifying the TUF metadata from the root embedded " +
        'in that package, and write it atomically to <cache dir>/sigstore/trusted_root.json, the default trusted root of ' +
        '`verify`, `verify-attestation`, `verify-bundle` and the webhook. The TUF metadata is cached under ' +
        '<cache dir>/sigstore/tuf/. With --offline, the trusted root embedded in @sigstore/tuf is written instead (no ' +
        'network; as old as the package).\n\n' +
        'Exit codes: 0 written, 2 usage error, 3 network, TUF or file error (the cached root is then left as it was).',
    )
    .option('--mirror <url>', 'TUF repository (a mirror of the public-good one, or a private one with --tuf-root)', 'https://tuf-repo-cdn.sigstore.dev')
    .option('--tuf-root <file>', "initial TUF root.json for --mirror (default: the public-good one embedded in @sigstore/tuf)")
    .option('--offline', 'write the trusted root embedded in @sigstore/tuf, without network')
    .option('--cache-dir <dir>', 'cache directory (default $XDG_CACHE_HOME/tollgate)')
    .addOption(new Option('-f, --format <format>', 'output format').choices(['text', 'json']).default('text'))
    .action(async (opts: Record<string, unknown>, cmd: Command) => {
      const { runTrustedRootUpdate } = await import('./commands/trusted-root.js');
      // The default --mirror is shown in --help; only an explicit one conflicts with --offline.
      const explicitMirror = cmd.getOptionValueSource('mirror') === 'cli';
      onExit(await runTrustedRootUpdate({ ...program.opts(), ...opts, ...(explicitMirror ? {} : { mirror: undefined }) } as unknown as Parameters<typeof runTrustedRootUpdate>[0]));
    });
  trustedRoot
    .command('show')
    .summary('summarise the cached trusted root (or the embedded seed used without one)')
    .option('--cache-dir <dir>', 'cache directory (default $XDG_CACHE_HOME/tollgate)')
    .addOption(new Option('-f, --format <format>', 'output format').choices(['text', 'json']).default('text'))
    .action(async (opts: Record<string, unknown>) => {
      const { runTrustedRootShow } = await import('./commands/trusted-root.js');
      onExit(await runTrustedRootShow({ ...program.opts(), ...opts } as unknown as Parameters<typeof runTrustedRootShow>[0]));
    });

  return program;
}

/** Runs the CLI and returns the process exit code; never throws. */
export async function main(argv: string[]): Promise<number> {
  let code: number = ExitCode.ok;
  const program = buildProgram((c) => {
    code = c;
  });
  const ac = new AbortController();
  const onSigint = () => {
    ac.abort();
    process.stderr.write('\ninterrupted\n');
    process.exit(ExitCode.interrupted);
  };
  process.once('SIGINT', onSigint);
  // A closed pipe (`tollgate sbom … | head`) is the reader's choice, not an error worth a stack trace.
  process.stdout.on('error', (e: NodeJS.ErrnoException) => {
    if (e.code === 'EPIPE') process.exit(ExitCode.ok);
  });
  try {
    await program.parseAsync(argv, { from: 'user' });
    return code;
  } catch (e) {
    if (e instanceof CommanderError) {
      // --help and --version end with code 0; parse errors were already printed by commander.
      return e.exitCode === 0 ? ExitCode.ok : ExitCode.usage;
    }
    createOutput().error(e);
    return exitCodeFor(e);
  } finally {
    process.off('SIGINT', onSigint);
  }
}
