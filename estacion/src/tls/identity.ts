/**
 * Which pump a client certificate names: SAN `URI:urn:surtidor:<id>` (preferred) or CN
 * `surtidor-<id>`. Null when it names none (or two different ones).
 */
export interface CertificateNames {
  subject?: { CN?: string | string[] } | null;
  subjectaltname?: string | undefined;
}

export function pumpIdOfCertificate(cert: CertificateNames | null | undefined): number | null {
  if (!cert) return null;
  const ids = new Set<number>();
  for (const name of (cert.subjectaltname ?? '').split(',').map((s) => s.trim())) {
    const m = /^URI:urn:surtidor:(\d{1,9})$/.exec(name) ?? /^DNS:surtidor-(\d{1,9})(?:\..*)?$/.exec(name);
    if (m) ids.add(Number(m[1]));
  }
  if (ids.size === 0) {
    const cn = cert.subject?.CN;
    for (const value of ([] as string[]).concat(cn ?? [])) {
      const m = /^surtidor-(\d{1,9})$/.exec(value);
      if (m) ids.add(Number(m[1]));
    }
  }
  if (ids.size !== 1) return null;
  const [id] = ids;
  return id !== undefined && id > 0 ? id : null;
}
