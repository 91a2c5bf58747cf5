/**
 * Bytes → text for hand-edited Python project files. On Windows, PowerShell's `pip freeze > requirements.txt`
 * writes UTF-16LE with a byte-order mark (Trivy's requirements_utf16le.txt fixture), and editors add UTF-8 BOMs;
 * pip itself honours the BOMs (pip/_internal/utils/encoding.py, auto_decode). Without a BOM the text is UTF-8.
 */
export function decodeText(content: Buffer): string {
  if (content.length >= 2 && content[0] === 0xff && content[1] === 0xfe) return content.subarray(2).toString('utf16le');
  if (content.length >= 2 && content[0] === 0xfe && content[1] === 0xff) {
    // Node has no UTF-16BE decoder: swap the byte pairs (an odd trailing byte is dropped, as a decoder would).
    const even = content.subarray(2, 2 + ((content.length - 2) & ~1));
    return Buffer.from(even).swap16().toString('utf16le');
  }
  if (content.length >= 3 && content[0] === 0xef && content[1] === 0xbb && content[2] === 0xbf) return content.subarray(3).toString('utf8');
  return content.toString('utf8');
}

/** Splits text into lines on LF, CRLF or a lone CR. */
export function splitLines(text: string): string[] {
  return text.split(/\r\n|\n|\r/);
}
