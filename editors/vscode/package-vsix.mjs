// Packages the extension as a .vsix without network access and without @vscode/vsce: a .vsix is
// a zip of `extension/` (the extension's files and its production dependencies, as
// package-lock.json lists them), `extension.vsixmanifest` and `[Content_Types].xml`, the layout
// vsce writes. Node built-ins only; the same inputs give the same bytes (fixed timestamps).
//   node package-vsix.mjs [OUT.vsix]     (after `npm ci` here, which may use npm's cache offline)
import { Buffer } from 'node:buffer';
import { existsSync, readFileSync, readdirSync, statSync, writeFileSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { crc32, deflateRawSync } from 'node:zlib';

/** The extension's own files, as `[path in the folder, path in extension/]`. */
const OWN_FILES = [
  ['package.json', 'package.json'],
  ['extension.js', 'extension.js'],
  ['language-configuration.json', 'language-configuration.json'],
  ['README.md', 'README.md'],
  ['LICENSE', 'LICENSE.txt'],
];

function escapeXml(text) {
  return String(text).replace(
    /[<>&"']/g,
    (c) => ({ '<': '&lt;', '>': '&gt;', '&': '&amp;', '"': '&quot;', "'": '&apos;' })[c],
  );
}

/** Every file under `dir` (sorted), skipping nested `node_modules` (the lock lists those). */
function filesUnder(dir) {
  return readdirSync(dir)
    .sort()
    .flatMap((name) => {
      const path = join(dir, name);
      if (statSync(path).isDirectory()) return name === 'node_modules' ? [] : filesUnder(path);
      return [path];
    });
}

/** The files to package: `[absolute source, path inside the zip]`. */
function packageFiles(folder) {
  const files = OWN_FILES.map(([from, to]) => [join(folder, from), `extension/${to}`]);
  for (const path of filesUnder(join(folder, 'syntaxes')))
    files.push([path, `extension/${relative(folder, path)}`]);
  const lock = JSON.parse(readFileSync(join(folder, 'package-lock.json'), 'utf8'));
  for (const [path, entry] of Object.entries(lock.packages ?? {})) {
    if (path === '' || entry.dev || entry.optional) continue;
    const source = join(folder, path);
    if (!existsSync(source))
      throw new Error(`${path} is missing: run \`npm ci\` in ${folder} first`);
    for (const file of filesUnder(source))
      files.push([file, `extension/${relative(folder, file).split('\\').join('/')}`]);
  }
  return files;
}

function manifest(pkg) {
  return `<?xml version="1.0" encoding="utf-8"?>
<PackageManifest Version="2.0.0" xmlns="http://schemas.microsoft.com/developer/vsx-schema/2011" xmlns:d="http://schemas.microsoft.com/developer/vsx-schema-design/2011">
  <Metadata>
    <Identity Language="en-US" Id="${escapeXml(pkg.name)}" Version="${escapeXml(pkg.version)}" Publisher="${escapeXml(pkg.publisher)}" />
    <DisplayName>${escapeXml(pkg.displayName)}</DisplayName>
    <Description xml:space="preserve">${escapeXml(pkg.description)}</Description>
    <Tags>cnn</Tags>
    <Categories>${escapeXml(pkg.categories.join(','))}</Categories>
    <GalleryFlags>Public</GalleryFlags>
    <Properties>
      <Property Id="Microsoft.VisualStudio.Code.Engine" Value="${escapeXml(pkg.engines.vscode)}" />
      <Property Id="Microsoft.VisualStudio.Code.ExtensionDependencies" Value="" />
      <Property Id="Microsoft.VisualStudio.Code.ExtensionPack" Value="" />
      <Property Id="Microsoft.VisualStudio.Code.ExtensionKind" Value="workspace" />
      <Property Id="Microsoft.VisualStudio.Code.LocalizedLanguages" Value="" />
    </Properties>
    <License>extension/LICENSE.txt</License>
  </Metadata>
  <Installation>
    <InstallationTarget Id="Microsoft.VisualStudio.Code" />
  </Installation>
  <Dependencies />
  <Assets>
    <Asset Type="Microsoft.VisualStudio.Code.Manifest" Path="extension/package.json" Addressable="true" />
    <Asset Type="Microsoft.VisualStudio.Services.Content.Details" Path="extension/README.md" Addressable="true" />
    <Asset Type="Microsoft.VisualStudio.Services.Content.License" Path="extension/LICENSE.txt" Addressable="true" />
  </Assets>
</PackageManifest>
`;
}

function contentTypes(names) {
  const extensions = [...new Set(names.map((n) => /\.[^./]+$/.exec(n)?.[0] ?? ''))]
    .filter((e) => e !== '')
    .sort();
  const types = { '.json': 'application/json', '.vsixmanifest': 'text/xml', '.xml': 'text/xml' };
  const rows = extensions.map(
    (e) =>
      `<Default Extension="${escapeXml(e)}" ContentType="${types[e] ?? 'application/octet-stream'}" />`,
  );
  return `<?xml version="1.0" encoding="utf-8"?>\n<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">${rows.join('')}</Types>\n`;
}

/** A zip archive (deflate, no extra fields, timestamps of 1980-01-01 00:00). */
export function zip(entries) {
  const locals = [];
  const centrals = [];
  let offset = 0;
  for (const [name, data] of entries) {
    const nameBytes = Buffer.from(name, 'utf8');
    const compressed = deflateRawSync(data, { level: 9 });
    const crc = crc32(data);
    const local = Buffer.alloc(30);
    local.writeUInt32LE(0x04034b50, 0);
    local.writeUInt16LE(20, 4); // version needed
    local.writeUInt16LE(0x0800, 6); // UTF-8 names
    local.writeUInt16LE(8, 8); // deflate
    local.writeUInt16LE(0, 10); // time
    local.writeUInt16LE(0x21, 12); // date: 1980-01-01
    local.writeUInt32LE(crc, 14);
    local.writeUInt32LE(compressed.length, 18);
    local.writeUInt32LE(data.length, 22);
    local.writeUInt16LE(nameBytes.length, 26);
    local.writeUInt16LE(0, 28);
    const central = Buffer.alloc(46);
    central.writeUInt32LE(0x02014b50, 0);
    central.writeUInt16LE(20, 4);
    local.copy(central, 6, 4, 30);
    central.writeUInt16LE(0, 32); // comment length
    central.writeUInt16LE(0, 34); // disk
    central.writeUInt16LE(0, 36); // internal attributes
    central.writeUInt32LE(0, 38); // external attributes
    central.writeUInt32LE(offset, 42);
    locals.push(local, nameBytes, compressed);
    centrals.push(central, nameBytes);
    offset += local.length + nameBytes.length + compressed.length;
  }
  const directory = Buffer.concat(centrals);
  const end = Buffer.alloc(22);
  end.writeUInt32LE(0x06054b50, 0);
  end.writeUInt16LE(entries.length, 8);
  end.writeUInt16LE(entries.length, 10);
  end.writeUInt32LE(directory.length, 12);
  end.writeUInt32LE(offset, 16);
  return Buffer.concat([...locals, directory, end]);
}

/** Writes the .vsix of the extension in `folder` to `out`; returns the number of files. */
export function packageVsix(folder, out) {
  const pkg = JSON.parse(readFileSync(join(folder, 'package.json'), 'utf8'));
  const files = packageFiles(folder);
  const entries = [
    ['extension.vsixmanifest', Buffer.from(manifest(pkg))],
    ...files.map(([from, to]) => [to, readFileSync(from)]),
  ];
  entries.unshift(['[Content_Types].xml', Buffer.from(contentTypes(entries.map(([n]) => n)))]);
  writeFileSync(out, zip(entries));
  return entries.length;
}

if (process.argv[1] && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  const folder = dirname(fileURLToPath(import.meta.url));
  const pkg = JSON.parse(readFileSync(join(folder, 'package.json'), 'utf8'));
  const out = resolve(process.argv[2] ?? join(folder, `${pkg.name}-${pkg.version}.vsix`));
  try {
    const count = packageVsix(folder, out);
    console.log(`wrote ${out} (${count} files, ${statSync(out).size} bytes)`);
  } catch (error) {
    console.error(`error: ${error.message}`);
    process.exit(1);
  }
}
