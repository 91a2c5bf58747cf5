/** The operating system an image (or root filesystem) was built from. */
export interface OperatingSystem {
  /**
   * Normalised family, following Trivy's OS type names where they exist:
   * debian, ubuntu, alpine, redhat, centos, rocky, alma, oracle, fedora, amazon, opensuse-leap,
   * opensuse-tumbleweed, sles, photon, cbl-mariner, azurelinux, wolfi, chainguard, distroless…
   * Anything else keeps the os-release ID.
   */
  family: string;
  /** Version as the distribution writes it (VERSION_ID or the release file), e.g. "12.5", "3.19.1", "22.04". */
  version: string;
  /** The raw os-release ID, e.g. "rhel", "almalinux", "ol", "amzn". */
  id?: string;
  /** e.g. "bookworm", "jammy". */
  codename?: string;
  prettyName?: string;
  /** Which file decided, e.g. "etc/os-release". */
  source?: string;
}
