// Converts between the document URIs an editor sends and the file paths the compiler's spans
// hold. `file:` URIs become absolute paths, so imports resolve relative to the file on disk; any
// other URI (`untitled:Untitled-1`) is used as the file name as it is.
import { fileURLToPath, pathToFileURL } from 'node:url';

/** The compiler's file name for a document URI. */
export function uriToFile(uri: string): string {
  if (!uri.startsWith('file:')) return uri;
  try {
    return fileURLToPath(uri);
  } catch {
    return uri;
  }
}

/**
 * The URI of a file name. `known` maps the files of open documents to the URIs the editor used,
 * since editors compare URIs as strings and may encode them differently from Node.
 */
export function fileToUri(file: string, known: ReadonlyMap<string, string>): string {
  const open = known.get(file);
  if (open !== undefined) return open;
  if (/^[a-z][a-z0-9+.-]*:/i.test(file) && !/^[a-z]:[\\/]/i.test(file)) return file;
  return pathToFileURL(file).href;
}
