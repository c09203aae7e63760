/**
 * The catalogue of stable diagnostic codes. A code never changes meaning once published;
 * new problems get new numbers. Groups: E0xx container (tar, compression), E1xx metadata.json,
 * E2xx parameter files, E3xx graph JSON, E4xx cross-file consistency, E9xx limits and usage.
 * W-codes are warnings: the archive is usable but something is off.
 */
export const CODES = {
  // Container
  'MLF-E001': {
    title: 'tar header checksum mismatch',
    hint: 'The archive is corrupt or not a tar file; re-export or re-download it.',
  },
  'MLF-E002': { title: 'archive truncated', hint: 'The file ends early; re-download or re-export the archive.' },
  'MLF-E003': {
    title: 'invalid tar header field',
    hint: 'A numeric header field is malformed; the archive was not written by a standard tar writer.',
  },
  'MLF-E004': {
    title: 'unsupported tar entry type',
    hint: 'MLF archives contain only regular files and directories; links, devices and FIFOs are refused.',
  },
  'MLF-E005': {
    title: 'unsafe member path',
    hint: 'Member names must be relative paths without "..", backslashes, drive letters or NUL bytes.',
  },
  'MLF-E006': {
    title: 'duplicate member',
    hint: 'Two members resolve to the same path; the archive is ambiguous. Re-pack it.',
  },
  'MLF-E007': {
    title: 'malformed PAX or GNU extended header',
    hint: 'An extended header record is malformed; re-pack the archive with a standard tar.',
  },
  'MLF-E008': {
    title: 'corrupt compressed stream',
    hint: 'The gzip/zstd stream is damaged; re-download or re-compress the archive.',
  },
  'MLF-E009': {
    title: 'limit exceeded',
    hint: 'The input is larger than the configured limit; raise the limit in options if the archive is trusted.',
  },
  'MLF-E010': { title: 'not an archive', hint: 'Give a .tar, .tar.gz/.tgz, .tar.zst file or an extracted MLF folder.' },
  'MLF-E011': {
    title: 'file changed while read',
    hint: 'Another program wrote to the file while it was read, so the result was discarded (nothing half-written); run again once it has finished.',
  },
  'MLF-E012': {
    title: 'data outside the compressed stream',
    hint: 'Bytes before, between or after the gzip members or zstd frames (skippable frames, padding, garbage) are read differently by gzip, Python and zstd readers. Decompress and compress the archive again.',
  },
  'MLF-E013': {
    title: 'tar entry name and type disagree',
    hint: 'A regular-file entry has a name ending in "/" in its header, GNU long name or PAX path: tarfile, GNU tar and bsdtar read it as a file or a folder differently. Re-pack the archive.',
  },
  'MLF-E014': {
    title: 'ustar prefix field outside a ustar header',
    hint: 'A GNU or v7 header carries bytes in the ustar prefix field: tarfile prepends them to the name, GNU tar and bsdtar do not. Re-pack the archive with a standard tar.',
  },
  'MLF-E015': {
    title: 'ambiguous extended header',
    hint: 'A PAX or GNU extended header that tar readers apply differently (empty value, repeated key, unusual key, data in its padding, a GNU long name and a PAX path that disagree, a global header inside a member). Re-pack the archive.',
  },
  'MLF-E016': {
    title: 'compressed file also reads as a tar',
    hint: 'The first block of this gzip/zstd file is also a valid tar header: readers without that decompressor (Python < 3.14 for zstd) would list another archive. Decompress and compress it again.',
  },
  'MLF-E017': {
    title: 'data after the end of the tar archive',
    hint: 'Non-zero bytes follow the first zero block (the end-of-archive marker): `tar -i` and tarfile(ignore_zeros=True) would read them as more members. Re-pack the archive.',
  },
  // metadata.json
  'MLF-E101': {
    title: 'metadata.json missing',
    hint: 'Every MLF archive has metadata.json at its root; this is not a complete MLF archive.',
  },
  'MLF-E102': { title: 'metadata.json is not valid JSON', hint: 'Fix the JSON syntax at the reported position.' },
  'MLF-E103': {
    title: 'unsupported metadata version',
    hint: 'Supported versions are 1 to 7 (the format was frozen at 7 when TVM removed microTVM).',
  },
  'MLF-E104': {
    title: 'metadata.json does not match its version schema',
    hint: 'A required key is missing or has the wrong type at the reported JSON path.',
  },
  'MLF-E105': {
    title: 'unsafe module name',
    hint: 'Module names become file names (parameters/<m>.params); use letters, digits and underscores.',
  },
  // .params
  'MLF-E201': {
    title: 'bad params magic',
    hint: 'The file is not a TVM param dict (expected magic 0xF7E58D4F05049CB7 / 0xDD5E40F096B4A13F).',
  },
  'MLF-E202': { title: 'params truncated', hint: 'The params file ends inside a record; re-export it.' },
  'MLF-E203': {
    title: 'params name/array count mismatch',
    hint: 'The name list and the array list must have the same length.',
  },
  'MLF-E204': { title: 'params tensor not on CPU', hint: 'TVM always saves tensors with device_type 1 (CPU).' },
  'MLF-E205': {
    title: 'params tensor byte size mismatch',
    hint: 'data_byte_size must equal ((bits+7)/8) * prod(shape).',
  },
  'MLF-E206': { title: 'invalid dtype', hint: 'The dtype code/bits/lanes combination is not one TVM can hold.' },
  'MLF-E207': {
    title: 'invalid shape',
    hint: 'Shape dimensions must be non-negative and their product must fit in memory.',
  },
  'MLF-E208': {
    title: 'trailing bytes after params',
    hint: 'The file is longer than its records; it may be two files concatenated.',
  },
  'MLF-E209': { title: 'duplicate param name', hint: 'Each param name may appear once.' },
  'MLF-E210': { title: 'param name is not UTF-8', hint: 'Param names must be valid UTF-8.' },
  // graph JSON
  'MLF-E301': { title: 'graph is not valid JSON', hint: 'Fix the JSON syntax at the reported position.' },
  'MLF-E302': {
    title: 'graph structure invalid',
    hint: 'The graph JSON lacks a required key or has the wrong type at the reported path.',
  },
  'MLF-E303': {
    title: 'graph node_row_ptr invalid',
    hint: 'node_row_ptr must have nodes+1 non-decreasing entries starting at 0.',
  },
  'MLF-E304': {
    title: 'graph reference out of range',
    hint: 'A node input, arg node or head refers to a node or output that does not exist.',
  },
  'MLF-E305': {
    title: 'graph attrs length mismatch',
    hint: 'shape, dltype, storage_id (and device_index) need one element per entry.',
  },
  'MLF-E306': {
    title: 'graph dltype invalid',
    hint: 'dltype strings must be TVM dtype names such as float32 or int8.',
  },
  'MLF-E307': { title: 'graph arg_nodes invalid', hint: 'arg_nodes must list exactly the "null" nodes.' },
  'MLF-E308': {
    title: 'graph copy or no-op node invalid',
    hint: "A __copy node copies one tensor into another of the same byte size, and __nop and __copy nodes take one input and give one output, as TVM's graph executor requires; the graph was altered.",
  },
  'MLF-E309': {
    title: 'generated C not readable',
    hint: 'The C source has an unterminated comment or literal, unbalanced brackets, or is too large to read; check that the file is the one TVM generated.',
  },
  'MLF-E310': {
    title: 'AOT main not found',
    hint: 'An AOT module defines tvmgen_<module>___tvm_main__ (or tvmgen_<module>_run_model in early archives) in codegen/host/src; check the module name and that the sources are complete.',
  },
  'MLF-E311': {
    title: 'Relay text not readable',
    hint: 'The Relay text could not be parsed at the reported offset; it is informational, so everything but shapes still works.',
  },
  // consistency
  'MLF-E401': {
    title: 'file implied by metadata is missing',
    hint: 'Re-export the archive, or add the missing member.',
  },
  'MLF-E402': {
    title: 'layout does not match the declared version',
    hint: 'Files use the naming of another format version; check the version number.',
  },
  'MLF-E403': {
    title: 'params do not match the graph',
    hint: 'Every param must be a graph input with the same shape and dtype.',
  },
  'MLF-E404': {
    title: 'memory.sids disagree with the graph',
    hint: 'The storage-id map in metadata.json does not match the one computed from the graph.',
  },
  'MLF-E405': {
    title: 'tensor size disagrees with dtype and shape',
    hint: 'A size_bytes/size value does not match ceil(bits * prod(shape) / 8).',
  },
  'MLF-E406': {
    title: 'unexpected codegen file name',
    hint: 'codegen/host/src holds .c/.cc/.cpp, codegen/host/lib holds .o, codegen/host/include holds .h.',
  },
  'MLF-E407': {
    title: 'executor information inconsistent',
    hint: 'A graph-executor module needs a graph; an AOT module must not declare memory.sids.',
  },
  'MLF-E408': {
    title: 'name cannot be used in generated code',
    hint: 'Names that become C identifiers (graph func_name, operator functions, C interface fields) must be C identifiers: ASCII letters, digits and underscores, not a keyword or reserved name. Module names may also hold "." and "-" (TVM sanitises them in C symbols); anything else could reach a Makefile or a shell.',
  },
  'MLF-E409': {
    title: "function not defined by the module's code",
    hint: "The graph, metadata or C interface header names a function that the module's generated C (or its object files) does not define; calling it would run something other than the archive's code, and linking against it fails. The archive was altered, or the codegen is incomplete.",
  },
  'MLF-E410': {
    title: 'codegen cannot be placed in MLF',
    hint: 'MLF holds C/C++ sources (.c/.cc/.cpp), object files (.o) and headers (.h) only, as TVM required DSO-exportable modules.',
  },
  'MLF-E411': {
    title: 'module names clash',
    hint: 'Module names must be unique in an archive; rename one with --rename OLD=NEW.',
  },
  'MLF-E412': {
    title: 'files clash',
    hint: 'Two modules write the same path with different contents; such archives cannot be combined (rebuild one with a distinct module name).',
  },
  'MLF-E413': {
    title: 'cannot express in the target version',
    hint: 'Version 6 holds one module; split the archive first (mlf split) or keep version 7.',
  },
  'MLF-E414': {
    title: 'build description invalid',
    hint: 'Check the build manifest or flags against the documented fields.',
  },
  'MLF-E420': {
    title: 'tensor sizes disagree between sources',
    hint: 'The same tensor has different sizes (or a different set of inputs/outputs) in the graph, metadata.json, the C interface header or the Relay text. Generated buffers would not fit what the code writes; re-export the archive.',
  },
  'MLF-E415': {
    title: 'module cannot be renamed',
    hint: 'The module has object files (.o) whose symbols mlf cannot rewrite; rebuild it under the wanted name (TVM: mod_name=...), or merge without renaming it.',
  },
  'MLF-E416': {
    title: 'object file for another architecture',
    hint: 'A prebuilt object under codegen/host/lib was compiled for a different machine than the target says; rebuild it for the target or remove it.',
  },
  // limits and usage
  'MLF-E901': { title: 'usage error', hint: 'See mlf --help.' },
  'MLF-E902': { title: 'cannot read input', hint: 'Check that the path exists and is readable.' },
  'MLF-E903': { title: 'no such module', hint: 'List the modules with mlf inspect.' },
  'MLF-E904': {
    title: 'cannot write output',
    hint: 'Check the destination folder and permissions; use --force to replace an existing file.',
  },
  'MLF-E911': {
    title: 'invalid .npy/.npz file',
    hint: 'The file is not a NumPy .npy/.npz file we can read, or its dtype has no NumPy (or TVM) equivalent; re-save it with numpy.save/savez.',
  },
  // warnings
  'MLF-W001': {
    title: 'tar end-of-archive marker missing',
    hint: 'The archive lacks the two zero blocks at its end; it may be truncated at a member boundary. mlf verify and mlf sign --detached refuse it (MLF-E002).',
  },
  'MLF-W101': { title: 'unknown extra file', hint: 'The file is not part of the MLF layout; consumers ignore it.' },
  'MLF-W102': {
    title: 'external dependency not in archive',
    hint: 'metadata.json names a dependency under ./runtime that the archive does not carry; supply the TVM standalone CRT yourself.',
  },
  'MLF-W103': { title: 'export_datetime not in TVM format', hint: 'TVM writes "%Y-%m-%d %H:%M:%SZ" (local time).' },
  'MLF-W104': {
    title: 'sids size under-reports shared storage',
    hint: 'TVM sizes each storage id by the tensor at index sid, not the largest sharer; the runtime uses the maximum.',
  },
  'MLF-W105': {
    title: 'param not used by the graph',
    hint: 'The graph has no input node with this name; the graph executor ignores it.',
  },
  'MLF-W106': {
    title: 'metadata memory figure disagrees with the graph',
    hint: 'An io/constants figure in memory.functions.main does not match the graph and params.',
  },
  'MLF-W107': {
    title: 'informational file missing',
    hint: 'Relay/TIR text is for people and tools, not for building; re-export to get it back.',
  },
  'MLF-W109': {
    title: 'generated C symbols clash',
    hint: 'Several modules define the same external C function; link them into separate images or rebuild with distinct module names.',
  },
  'MLF-W110': {
    title: 'workspace figure is an estimate',
    hint: 'Without operator workspaces the recorded workspace may be smaller than what TVM computed; give each operator workspace (--workspace FUNC=BYTES, or memory.operatorFunctions in build.json) or memory.main.',
  },
  'MLF-W111': {
    title: 'workspace figure disagrees with the generated code',
    hint: 'The workspace the AOT main needs (allocations or USMP pools, read from the C) differs from metadata.json; size the arena from the larger figure.',
  },
  // host runner (mlf project, run, footprint)
  'MLF-E501': {
    title: 'input names do not match the model',
    hint: 'Give every model input once as --input NAME=FILE.npy (names as mlf inspect lists them), or use --random-inputs SEED.',
  },
  'MLF-E502': {
    title: 'input shape or dtype does not match the model',
    hint: 'Save the array with the shape and dtype mlf inspect lists for that input (numpy: a.astype(...).reshape(...)).',
  },
  'MLF-E503': {
    title: 'compiler not found',
    hint: 'Install a C compiler and make (Debian: apt-get install build-essential), or name one with --cc.',
  },
  'MLF-E504': {
    title: 'compile error',
    hint: "The generated C did not compile; the first compiler errors are shown. Check the archive's codegen files (mlf validate) and the compiler flags.",
  },
  'MLF-E505': {
    title: 'archive has no codegen',
    hint: "The module has no files under codegen/host; export the model again with TVM's C target so its code is included.",
  },
  'MLF-E506': {
    title: 'model run failed',
    hint: 'The compiled model exited with an error or crashed; the exit status and the end of its error output are shown.',
  },
  'MLF-E507': {
    title: 'model not supported by the host runner',
    hint: 'The host runner calls CPU code through the graph executor, AOT (C interface, packed or raw) and operator entry points; see docs/runner.md for what is supported.',
  },
  'MLF-E508': {
    title: 'malformed ELF object',
    hint: "An object file (an archive's codegen/host/lib/*.o, or one the compiler wrote) is not a well-formed ELF file: its headers, sections or names lie outside the file. Rebuild the object, or remove it from the archive.",
  },
  'MLF-E509': {
    title: 'model does not fit the board',
    hint: 'Flash or RAM needed exceeds the board profile; the numbers are shown. Pick a larger board, or copy its profile (templates/boards/) with more memory.',
  },
  'MLF-E510': {
    title: 'unknown or invalid board profile',
    hint: 'Name a shipped board (templates/boards/*.json) or give a board file by path; docs/runner.md describes the profile format.',
  },
  'MLF-E511': {
    title: 'emulator not found',
    hint: 'Install QEMU for the board (Debian: apt-get install qemu-system-arm qemu-system-misc), or set qemu.binary in the board profile.',
  },
  'MLF-E512': {
    title: 'C symbols clash in one program',
    hint: 'Several modules (or a module and the runtime) define the same external symbol, so they cannot be linked into one program: build them separately with --module, or rebuild with distinct module names.',
  },
  'MLF-E520': {
    title: 'build or run limit reached',
    hint: 'A compiler, make, the model program or QEMU (a firmware run) ran longer or used more memory than allowed; raise the limit (--build-timeout, --run-timeout, --memory-limit or MLF_BUILD_TIMEOUT, MLF_RUN_TIMEOUT, MLF_MEMORY_LIMIT) if the model is that large.',
  },
  'MLF-E521': {
    title: 'build cache not safe to use',
    hint: 'The cache folder (MLF_CACHE_DIR, XDG_CACHE_HOME/mlf or ~/.cache/mlf) and its entries must be owned by you and not writable by group or others, since programs built there are run; fix the permissions (chmod go-w) or point MLF_CACHE_DIR at a private folder.',
  },
  // integrity and signatures (mlf manifest, keygen, sign, verify)
  'MLF-E601': {
    title: 'signature missing',
    hint: 'The archive carries no .mlf/signature.json and no <archive>.sig lies beside it; sign it with mlf sign, or give the detached file with --signature.',
  },
  'MLF-E602': {
    title: 'signature invalid',
    hint: 'The signature does not match the signed manifest under this public key: the manifest or the signature was altered, or another key signed it. Do not trust the archive.',
  },
  'MLF-E603': {
    title: 'members differ from the signed manifest',
    hint: 'The listed members were changed, added or removed after signing. Do not trust the archive; get it again from its source.',
  },
  'MLF-E604': {
    title: 'bad key file',
    hint: 'Give an Ed25519 key in PEM: PKCS#8 private key for mlf sign, SPKI public key (KEY.pub) for mlf verify; mlf keygen writes both.',
  },
  'MLF-E605': {
    title: 'malformed signature or manifest',
    hint: 'The signature file is not an mlf-signature/2 document (see docs/security.md); it was damaged or written by another tool.',
  },
  'MLF-E606': {
    title: 'signature format no longer accepted',
    hint: 'mlf-signature/1 covered member bytes only, not the archive bytes every extractor reads; sign the archive again with mlf sign (see docs/security.md).',
  },
  'MLF-E607': {
    title: 'archive bytes differ from the signed bytes',
    hint: 'The archive is not byte for byte what was signed (bytes added, removed or changed outside the member data, or another compression). Do not trust it; get it again from its source.',
  },
} as const satisfies Record<string, { title: string; hint: string }>;

/** A stable diagnostic code such as `MLF-E012`. */
export type MlfCode = keyof typeof CODES;
