//! The module graph of `src/`: no import circles between files, and the layers drawn in
//! ARCHITECTURE.md ("## Layers") are the ones the files really import through.
//!
//! Every file under `src/` is parsed with syn. A file imports another when it names an item
//! defined there: through `use crate::…`, `use super::…`, `use self::…` (or a child module's
//! name), a full path such as `crate::x::y` in code or inside a macro's arguments, or a
//! `$crate::` path in a macro. A re-export (`pub use`) is followed to the file that defines the
//! item, so naming `crate::lesson::Lesson` imports the file that defines `Lesson`, not
//! `lesson/mod.rs`; a re-export alone is not an import of the file that makes it. `mod x;`
//! declarations are not imports, and test-only code (`#[cfg(test)]`) does not count. The
//! binary's `src/main.rs` is a crate of its own that nothing in the library can import.

use std::collections::{BTreeMap, BTreeSet};
use std::fmt::Write as _;
use std::path::{Path, PathBuf};

use proc_macro2::{Span, TokenStream, TokenTree};
use syn::visit::{self, Visit};

/// A module's path from the crate root (`["lesson", "format"]`); the root is empty.
type ModPath = Vec<String>;

/// What a module holds, as far as resolving paths needs it.
#[derive(Default)]
struct Module {
    /// The file the module's own items are written in.
    file: usize,
    /// Items defined here (functions, types, constants, macros…), by name: their file.
    items: BTreeMap<String, usize>,
    /// Names brought in by `use` (re-exports included), each with its path as written.
    uses: BTreeMap<String, Vec<String>>,
    /// `use path::*`, as written.
    globs: Vec<Vec<String>>,
}

/// The library crate: its files and modules.
struct Crate {
    /// Paths relative to `src/`, as printed (`lesson/mod.rs`).
    files: Vec<String>,
    modules: BTreeMap<ModPath, Module>,
}

/// Where a path leads.
#[derive(Debug, PartialEq)]
enum Target {
    /// An item defined in this file.
    Item(usize),
    /// A module (naming one is not an import; naming something in it is).
    Module,
}

/// How deep re-exports and aliases are followed before giving up (a guard against loops).
const MAX_DEPTH: usize = 32;

impl Crate {
    /// A path as written in module `scope` (`super::x::Y`, `crate::a`, `alias::b`), made
    /// absolute; `None` for paths outside the crate (std, other crates, local variables).
    fn absolute(&self, scope: &[String], segs: &[String], depth: usize) -> Option<Vec<String>> {
        let (first, rest) = segs.split_first()?;
        if depth > MAX_DEPTH {
            return None;
        }
        let module = self.modules.get(scope)?;
        let (base, rest): (Vec<String>, &[String]) = match first.as_str() {
            "crate" | "$crate" => (Vec::new(), rest),
            "self" => (scope.to_vec(), rest),
            "super" => {
                let ups = 1 + rest.iter().take_while(|seg| *seg == "super").count();
                (scope[..scope.len().checked_sub(ups)?].to_vec(), &segs[ups..])
            }
            _ if self.modules.contains_key(&[scope, std::slice::from_ref(first)].concat())
                || module.items.contains_key(first) =>
            {
                (scope.to_vec(), segs)
            }
            _ => (self.absolute(scope, module.uses.get(first)?, depth + 1)?, rest),
        };
        Some([base.as_slice(), rest].concat())
    }

    /// What an absolute path names, following re-exports and globs.
    fn resolve(&self, path: &[String], depth: usize) -> Option<Target> {
        if depth > MAX_DEPTH {
            return None;
        }
        let mut at: ModPath = Vec::new();
        for (index, seg) in path.iter().enumerate() {
            let module = self.modules.get(&at)?;
            let rest = &path[index + 1..];
            let child = [at.as_slice(), std::slice::from_ref(seg)].concat();
            if self.modules.contains_key(&child)
                && (!rest.is_empty() || !module.items.contains_key(seg))
            {
                at = child;
                continue;
            }
            if let Some(&file) = module.items.get(seg) {
                return Some(Target::Item(file));
            }
            if let Some(target) = module.uses.get(seg) {
                let target = self.absolute(&at, target, depth + 1)?;
                return self.resolve(&[target, rest.to_vec()].concat(), depth + 1);
            }
            return module.globs.iter().find_map(|glob| {
                let glob = self.absolute(&at, glob, depth + 1)?;
                let through = [glob, std::slice::from_ref(seg).to_vec(), rest.to_vec()].concat();
                self.resolve(&through, depth + 1)
            });
        }
        Some(Target::Module)
    }

    /// The file a path written in `scope` imports, if it names an item of the crate.
    fn imported(&self, scope: &[String], segs: &[String]) -> Option<usize> {
        let path = self.absolute(scope, segs, 0)?;
        match self.resolve(&path, 0)? {
            Target::Item(file) => Some(file),
            Target::Module => None,
        }
    }
}

/// Whether attributes make an item test-only: `#[cfg(test)]` or `#[cfg(all(test, …))]`.
fn test_only(attrs: &[syn::Attribute]) -> bool {
    attrs.iter().any(|attr| match &attr.meta {
        syn::Meta::List(list) if list.path.is_ident("cfg") => {
            let tokens = list.tokens.to_string().replace(' ', "");
            tokens == "test" || tokens.starts_with("all(test,")
        }
        _ => false,
    })
}

/// An item's attributes (none for tokens syn keeps verbatim).
fn item_attrs(item: &syn::Item) -> &[syn::Attribute] {
    use syn::Item;
    match item {
        Item::Const(i) => &i.attrs,
        Item::Enum(i) => &i.attrs,
        Item::ExternCrate(i) => &i.attrs,
        Item::Fn(i) => &i.attrs,
        Item::ForeignMod(i) => &i.attrs,
        Item::Impl(i) => &i.attrs,
        Item::Macro(i) => &i.attrs,
        Item::Mod(i) => &i.attrs,
        Item::Static(i) => &i.attrs,
        Item::Struct(i) => &i.attrs,
        Item::Trait(i) => &i.attrs,
        Item::TraitAlias(i) => &i.attrs,
        Item::Type(i) => &i.attrs,
        Item::Union(i) => &i.attrs,
        Item::Use(i) => &i.attrs,
        _ => &[],
    }
}

/// The name an item defines in its module's namespace, if any.
fn item_name(item: &syn::Item) -> Option<String> {
    use syn::Item;
    let ident = match item {
        Item::Const(i) => &i.ident,
        Item::Enum(i) => &i.ident,
        Item::Fn(i) => &i.sig.ident,
        Item::Static(i) => &i.ident,
        Item::Struct(i) => &i.ident,
        Item::Trait(i) => &i.ident,
        Item::TraitAlias(i) => &i.ident,
        Item::Type(i) => &i.ident,
        Item::Union(i) => &i.ident,
        Item::Macro(i) => i.ident.as_ref()?,
        _ => return None,
    };
    Some(ident.to_string())
}

/// One name a `use` tree brings in.
struct UseLeaf {
    /// The name it is known by here; `None` for a glob.
    name: Option<String>,
    /// The path as written, from the tree's root.
    path: Vec<String>,
    span: Span,
}

fn use_leaves(tree: &syn::UseTree, prefix: &mut Vec<String>, out: &mut Vec<UseLeaf>) {
    match tree {
        syn::UseTree::Path(p) => {
            prefix.push(p.ident.to_string());
            use_leaves(&p.tree, prefix, out);
            prefix.pop();
        }
        syn::UseTree::Name(n) if n.ident == "self" => out.push(UseLeaf {
            name: prefix.last().cloned(),
            path: prefix.clone(),
            span: n.ident.span(),
        }),
        syn::UseTree::Name(n) => out.push(UseLeaf {
            name: Some(n.ident.to_string()),
            path: [prefix.as_slice(), &[n.ident.to_string()]].concat(),
            span: n.ident.span(),
        }),
        syn::UseTree::Rename(r) => out.push(UseLeaf {
            name: Some(r.rename.to_string()),
            path: [prefix.as_slice(), &[r.ident.to_string()]].concat(),
            span: r.ident.span(),
        }),
        syn::UseTree::Glob(g) => {
            out.push(UseLeaf { name: None, path: prefix.clone(), span: g.star_token.span })
        }
        syn::UseTree::Group(g) => g.items.iter().for_each(|tree| use_leaves(tree, prefix, out)),
    }
}

/// The `a::b::c` paths (and `$crate::…`) in a macro's tokens, which syn leaves unparsed.
fn token_paths(tokens: TokenStream, out: &mut Vec<(Vec<String>, Span)>) {
    let tokens: Vec<TokenTree> = tokens.into_iter().collect();
    let mut index = 0;
    while index < tokens.len() {
        match &tokens[index] {
            TokenTree::Group(group) => token_paths(group.stream(), out),
            TokenTree::Ident(ident) => {
                let dollar = index > 0
                    && matches!(&tokens[index - 1], TokenTree::Punct(p) if p.as_char() == '$');
                let first = if dollar { format!("${ident}") } else { ident.to_string() };
                let mut segs = vec![first];
                let mut next = index + 1;
                while let [TokenTree::Punct(a), TokenTree::Punct(b), TokenTree::Ident(seg), ..] =
                    &tokens[next.min(tokens.len())..]
                {
                    if a.as_char() != ':' || b.as_char() != ':' {
                        break;
                    }
                    segs.push(seg.to_string());
                    next += 3;
                }
                out.push((segs, ident.span()));
                index = next;
                continue;
            }
            _ => {}
        }
        index += 1;
    }
}

/// Pass one: the modules, their items and their `use` names.
struct Collect<'a> {
    krate: &'a mut Crate,
    file: usize,
    scope: ModPath,
    /// Inside a function body or other block: items there are not the module's.
    in_block: usize,
}

impl Collect<'_> {
    fn module(&mut self) -> &mut Module {
        let file = self.file;
        self.krate
            .modules
            .entry(self.scope.clone())
            .or_insert_with(|| Module { file, ..Module::default() })
    }
}

impl<'ast> Visit<'ast> for Collect<'_> {
    fn visit_item(&mut self, item: &'ast syn::Item) {
        if test_only(item_attrs(item)) {
            return;
        }
        if self.in_block == 0
            && let Some(name) = item_name(item)
        {
            let exported = matches!(item, syn::Item::Macro(m)
                if m.attrs.iter().any(|a| a.path().is_ident("macro_export")));
            let file = self.file;
            if exported {
                self.krate.modules.entry(Vec::new()).or_default().items.insert(name, file);
            } else {
                self.module().items.insert(name, file);
            }
        }
        visit::visit_item(self, item);
    }

    fn visit_item_mod(&mut self, item: &'ast syn::ItemMod) {
        if item.content.is_some() {
            self.scope.push(item.ident.to_string());
            self.module();
            let outer = std::mem::take(&mut self.in_block);
            visit::visit_item_mod(self, item);
            self.in_block = outer;
            self.scope.pop();
        }
    }

    fn visit_item_use(&mut self, item: &'ast syn::ItemUse) {
        let mut leaves = Vec::new();
        use_leaves(&item.tree, &mut Vec::new(), &mut leaves);
        let module = self.module();
        for leaf in leaves {
            match leaf.name {
                Some(name) => drop(module.uses.insert(name, leaf.path)),
                None => module.globs.push(leaf.path),
            }
        }
    }

    fn visit_block(&mut self, block: &'ast syn::Block) {
        self.in_block += 1;
        visit::visit_block(self, block);
        self.in_block -= 1;
    }
}

/// Where a file first imports another, to show in the report.
struct Site {
    line: usize,
    path: String,
}

/// Pass two: every import of every file.
struct Imports<'a> {
    krate: &'a Crate,
    file: usize,
    scope: ModPath,
    in_block: usize,
    edges: &'a mut BTreeMap<(usize, usize), Site>,
}

impl Imports<'_> {
    fn add(&mut self, segs: &[String], span: Span) {
        let Some(to) = self.krate.imported(&self.scope, segs) else { return };
        if to != self.file {
            self.edges
                .entry((self.file, to))
                .or_insert_with(|| Site { line: span.start().line, path: segs.join("::") });
        }
    }

    /// A path in code: full paths, and names brought in by `use` (a re-exported name is
    /// an import only where the module's own code names it).
    fn code_path(&mut self, segs: &[String], span: Span) {
        let bound =
            self.krate.modules.get(&self.scope).is_some_and(|m| m.uses.contains_key(&segs[0]));
        if segs.len() > 1 || bound {
            self.add(segs, span);
        }
    }
}

impl<'ast> Visit<'ast> for Imports<'_> {
    fn visit_item(&mut self, item: &'ast syn::Item) {
        if !test_only(item_attrs(item)) {
            visit::visit_item(self, item);
        }
    }

    fn visit_impl_item_fn(&mut self, item: &'ast syn::ImplItemFn) {
        if !test_only(&item.attrs) {
            visit::visit_impl_item_fn(self, item);
        }
    }

    fn visit_item_mod(&mut self, item: &'ast syn::ItemMod) {
        if item.content.is_some() {
            self.scope.push(item.ident.to_string());
            let outer = std::mem::take(&mut self.in_block);
            visit::visit_item_mod(self, item);
            self.in_block = outer;
            self.scope.pop();
        }
    }

    fn visit_item_use(&mut self, item: &'ast syn::ItemUse) {
        let reexport = self.in_block == 0 && !matches!(item.vis, syn::Visibility::Inherited);
        let mut leaves = Vec::new();
        use_leaves(&item.tree, &mut Vec::new(), &mut leaves);
        for leaf in leaves {
            if leaf.name.is_none() {
                // A glob imports the module's file itself (conservative: we cannot tell
                // which of its names are used without compiling).
                let path = self.krate.absolute(&self.scope, &leaf.path, 0);
                if let Some(module) = path.and_then(|path| self.krate.modules.get(&path)) {
                    let to = module.file;
                    if to != self.file && !reexport {
                        let site = Site {
                            line: leaf.span.start().line,
                            path: leaf.path.join("::") + "::*",
                        };
                        self.edges.entry((self.file, to)).or_insert(site);
                    }
                }
            } else if !reexport {
                self.add(&leaf.path, leaf.span);
            }
        }
    }

    fn visit_block(&mut self, block: &'ast syn::Block) {
        self.in_block += 1;
        visit::visit_block(self, block);
        self.in_block -= 1;
    }

    fn visit_path(&mut self, path: &'ast syn::Path) {
        let segs: Vec<String> = path.segments.iter().map(|s| s.ident.to_string()).collect();
        if let Some(first) = path.segments.first() {
            self.code_path(&segs, first.ident.span());
        }
        visit::visit_path(self, path);
    }

    fn visit_attribute(&mut self, attr: &'ast syn::Attribute) {
        // `#[arg(value_parser = crate::x::parse)]`: syn leaves the list's tokens unparsed.
        if let syn::Meta::List(list) = &attr.meta {
            let mut paths = Vec::new();
            token_paths(list.tokens.clone(), &mut paths);
            for (segs, span) in paths {
                self.code_path(&segs, span);
            }
        }
        visit::visit_attribute(self, attr);
    }

    fn visit_macro(&mut self, mac: &'ast syn::Macro) {
        let mut paths = Vec::new();
        token_paths(mac.tokens.clone(), &mut paths);
        for (segs, span) in paths {
            self.code_path(&segs, span);
        }
        visit::visit_macro(self, mac);
    }
}

/// Every `.rs` file under `dir`, sorted.
fn rust_files(dir: &Path, out: &mut Vec<PathBuf>) {
    for entry in std::fs::read_dir(dir).expect("reading src/") {
        let path = entry.expect("reading src/").path();
        if path.is_dir() {
            rust_files(&path, out);
        } else if path.extension().is_some_and(|ext| ext == "rs") {
            out.push(path);
        }
    }
    out.sort();
}

/// A file's module path: `lesson/mod.rs` and `lesson.rs` are `lesson`, `lib.rs` the root.
fn module_path(relative: &str) -> ModPath {
    let mut parts: Vec<String> =
        relative.trim_end_matches(".rs").split('/').map(str::to_string).collect();
    if parts.last().is_some_and(|last| last == "mod" || last == "lib") {
        parts.pop();
    }
    parts
}

/// The crate and its file-level import graph: `(from, to)` with the first place it happens.
fn import_graph(src: &Path) -> (Crate, BTreeMap<(usize, usize), Site>) {
    let mut paths = Vec::new();
    rust_files(src, &mut paths);
    let mut parsed = Vec::new();
    for path in paths {
        let relative = path.strip_prefix(src).unwrap().to_string_lossy().into_owned();
        if relative == "main.rs" {
            continue;
        }
        let text = std::fs::read_to_string(&path).unwrap();
        let syntax = syn::parse_file(&text).unwrap_or_else(|e| panic!("{relative}: {e}"));
        parsed.push((relative, syntax));
    }
    // Files of test-only modules (`#[cfg(test)] mod tests;`) do not count.
    let mut test_modules = Vec::new();
    for (relative, syntax) in &parsed {
        for item in &syntax.items {
            if let syn::Item::Mod(m) = item
                && m.content.is_none()
                && test_only(&m.attrs)
            {
                test_modules.push([module_path(relative), vec![m.ident.to_string()]].concat());
            }
        }
    }
    parsed.retain(|(relative, _)| {
        let path = module_path(relative);
        !test_modules.iter().any(|test| path.starts_with(test))
    });

    let mut krate = Crate { files: Vec::new(), modules: BTreeMap::new() };
    for (file, (relative, _)) in parsed.iter().enumerate() {
        krate.files.push(relative.clone());
        krate.modules.insert(module_path(relative), Module { file, ..Module::default() });
    }
    for (file, (relative, syntax)) in parsed.iter().enumerate() {
        let mut collect =
            Collect { krate: &mut krate, file, scope: module_path(relative), in_block: 0 };
        collect.visit_file(syntax);
    }
    let mut edges = BTreeMap::new();
    for (file, (relative, syntax)) in parsed.iter().enumerate() {
        let mut imports = Imports {
            krate: &krate,
            file,
            scope: module_path(relative),
            in_block: 0,
            edges: &mut edges,
        };
        imports.visit_file(syntax);
    }
    (krate, edges)
}

/// The strongly connected components with more than one file (Tarjan's algorithm).
fn circles(nodes: usize, edges: &BTreeMap<(usize, usize), Site>) -> Vec<Vec<usize>> {
    struct Tarjan<'a> {
        next: Vec<Vec<usize>>,
        index: Vec<Option<usize>>,
        low: Vec<usize>,
        stack: Vec<usize>,
        on_stack: Vec<bool>,
        counter: usize,
        found: &'a mut Vec<Vec<usize>>,
    }
    impl Tarjan<'_> {
        fn visit(&mut self, v: usize) {
            self.index[v] = Some(self.counter);
            self.low[v] = self.counter;
            self.counter += 1;
            self.stack.push(v);
            self.on_stack[v] = true;
            for w in self.next[v].clone() {
                match self.index[w] {
                    None => {
                        self.visit(w);
                        self.low[v] = self.low[v].min(self.low[w]);
                    }
                    Some(index) if self.on_stack[w] => self.low[v] = self.low[v].min(index),
                    Some(_) => {}
                }
            }
            if Some(self.low[v]) == self.index[v] {
                let mut component = Vec::new();
                while let Some(w) = self.stack.pop() {
                    self.on_stack[w] = false;
                    component.push(w);
                    if w == v {
                        break;
                    }
                }
                if component.len() > 1 {
                    component.sort();
                    self.found.push(component);
                }
            }
        }
    }
    let mut next = vec![Vec::new(); nodes];
    for &(from, to) in edges.keys() {
        next[from].push(to);
    }
    let mut found = Vec::new();
    let mut tarjan = Tarjan {
        next,
        index: vec![None; nodes],
        low: vec![0; nodes],
        stack: Vec::new(),
        on_stack: vec![false; nodes],
        counter: 0,
        found: &mut found,
    };
    for v in 0..nodes {
        if tarjan.index[v].is_none() {
            tarjan.visit(v);
        }
    }
    found.sort();
    found
}

/// The circles, each with its files and the imports that close it, for a person to read.
fn report(krate: &Crate, edges: &BTreeMap<(usize, usize), Site>, found: &[Vec<usize>]) -> String {
    let mut out = format!(
        "{} import circle(s) in src/: a file imports a file that, directly or through others, \
         imports it back. Make the layers point one way (ARCHITECTURE.md).\n",
        found.len()
    );
    for (number, component) in found.iter().enumerate() {
        let names: Vec<&str> = component.iter().map(|&f| krate.files[f].as_str()).collect();
        let _ =
            writeln!(out, "\ncircle {} ({} files): {}", number + 1, names.len(), names.join(", "));
        let width = names.iter().map(|n| n.len()).max().unwrap_or(0);
        for ((from, to), site) in edges {
            if component.contains(from) && component.contains(to) {
                let (from_name, to_name) = (&krate.files[*from], &krate.files[*to]);
                let _ = writeln!(
                    out,
                    "  {from_name:width$} -> {to_name:width$}   {from_name}:{} names {}",
                    site.line, site.path
                );
            }
        }
    }
    out
}

fn src() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("src")
}

#[test]
fn no_file_imports_itself_through_others() {
    let (krate, edges) = import_graph(&src());
    let found = circles(krate.files.len(), &edges);
    assert!(found.is_empty(), "{}", report(&krate, &edges, &found));
}

/// The rows of the drawing under "## Layers" in ARCHITECTURE.md, top first, each a list of
/// paths under `src/`: files (`course.rs`, `runner/{session,progress}.rs`) and directories
/// (`net/`, for every file in it). The other words on a line are comments.
fn drawn_layers(architecture: &str) -> Vec<Vec<String>> {
    let section = architecture.split("\n## Layers\n").nth(1).expect("a ## Layers section");
    let drawing = section.split("```text\n").nth(1).and_then(|rest| rest.split("```").next());
    let expand = |word: &str| -> Vec<String> {
        match (word.find('{'), word.find('}')) {
            (Some(open), Some(close)) if open < close => word[open + 1..close]
                .split(',')
                .map(|part| format!("{}{part}{}", &word[..open], &word[close + 1..]))
                .collect(),
            _ => vec![word.to_owned()],
        }
    };
    drawing
        .expect("a ```text drawing in the ## Layers section")
        .lines()
        .map(|line| {
            let words = line.split_whitespace().flat_map(expand);
            words.filter(|word| word.ends_with(".rs") || word.ends_with('/')).collect()
        })
        .collect()
}

/// The row a file is drawn in: where it is named, else the row of the nearest directory
/// named that holds it.
fn row_of(rows: &[Vec<String>], file: &str) -> Option<usize> {
    rows.iter().position(|row| row.iter().any(|path| path == file)).or_else(|| {
        let holders = rows.iter().enumerate().flat_map(|(index, row)| {
            row.iter()
                .filter(|path| path.ends_with('/') && file.starts_with(path.as_str()))
                .map(move |path| (path.len(), index))
        });
        holders.max().map(|(_, index)| index)
    })
}

/// The top-level package a file belongs to: its first directory, or the file itself.
fn package(file: &str) -> &str {
    file.split_once('/').map_or(file, |(dir, _)| dir)
}

/// ARCHITECTURE.md draws the layers as the code imports them: every file that imports or is
/// imported is drawn, and every import points down the page or stays inside its package in
/// the same row.
#[test]
fn the_layers_drawn_in_architecture_md_are_how_files_import() {
    let architecture =
        std::fs::read_to_string(Path::new(env!("CARGO_MANIFEST_DIR")).join("ARCHITECTURE.md"))
            .unwrap();
    let rows = drawn_layers(&architecture);
    let (krate, edges) = import_graph(&src());
    let mut problems = Vec::new();
    let connected: BTreeSet<usize> = edges.keys().flat_map(|&(from, to)| [from, to]).collect();
    for &file in &connected {
        if row_of(&rows, &krate.files[file]).is_none() {
            problems.push(format!("{} is not drawn", krate.files[file]));
        }
    }
    for ((from, to), site) in &edges {
        let (from, to) = (krate.files[*from].as_str(), krate.files[*to].as_str());
        let (Some(high), Some(low)) = (row_of(&rows, from), row_of(&rows, to)) else { continue };
        if low < high || (low == high && package(from) != package(to)) {
            problems.push(format!(
                "{from} (row {}) imports {to} (row {}): {from}:{} names {}",
                high + 1,
                low + 1,
                site.line,
                site.path
            ));
        }
    }
    assert!(
        problems.is_empty(),
        "ARCHITECTURE.md's layers (rows counted from the top) differ from the imports; move \
         the file in the drawing or the import in the code:\n  {}",
        problems.join("\n  ")
    );
}

/// The checker sees what it must: re-exports followed to the defining file (and a re-export
/// alone is no import), `$crate::`, macro-argument and attribute paths, `use super::`, and
/// nothing from test-only code or files.
#[test]
fn the_graph_follows_reexports_macros_and_skips_tests() {
    let dir = tempfile::tempdir().unwrap();
    let write = |name: &str, text: &str| {
        let path = dir.path().join(name);
        std::fs::create_dir_all(path.parent().unwrap()).unwrap();
        std::fs::write(path, text).unwrap();
    };
    write(
        "lib.rs",
        "pub mod a;\npub mod b;\npub mod c;\npub mod d;\npub mod m;\n#[cfg(test)]\nmod t;\n",
    );
    write("d.rs", "#[arg(value_parser = crate::c::f)]\npub struct D;\n");
    write("t.rs", "use crate::b::Other;\n");
    write("a/mod.rs", "mod def;\npub use def::Thing;\npub fn helper() {}\n");
    write("a/def.rs", "pub struct Thing;\n#[cfg(test)]\nmod tests { use crate::b::Other; }\n");
    write(
        "b.rs",
        "use crate::a::Thing;\npub struct Other;\n#[macro_export]\nmacro_rules! m { () => { $crate::c::f() } }\n",
    );
    write("c.rs", "pub fn f() { let _ = format!(\"{:?}\", super::a::helper()); }\n");
    write("m.rs", "use crate::m;\n");
    let (krate, edges) = import_graph(dir.path());
    let named: BTreeSet<(String, String)> = edges
        .keys()
        .map(|&(from, to)| (krate.files[from].clone(), krate.files[to].clone()))
        .collect();
    let expected: BTreeSet<(String, String)> = [
        ("b.rs", "a/def.rs"),
        ("b.rs", "c.rs"),
        ("c.rs", "a/mod.rs"),
        ("d.rs", "c.rs"),
        ("m.rs", "b.rs"),
    ]
    .iter()
    .map(|(from, to)| (from.to_string(), to.to_string()))
    .collect();
    assert_eq!(named, expected);
    assert!(circles(krate.files.len(), &edges).is_empty());

    // Closing a loop is reported, with the place that closes it.
    write("a/def.rs", "pub struct Thing(crate::c::Unit);\n");
    write("c.rs", "pub struct Unit;\npub fn f() { let _ = crate::b::Other; }\n");
    let (krate, edges) = import_graph(dir.path());
    let found = circles(krate.files.len(), &edges);
    let text = report(&krate, &edges, &found);
    assert_eq!(found.len(), 1, "{text}");
    assert!(text.contains("circle 1 (3 files): a/def.rs, b.rs, c.rs"), "{text}");
    assert!(text.contains("a/def.rs:1 names crate::c::Unit"), "{text}");
}

/// The `print!` family's macros a file calls outside its tests, with their lines.
struct Prints {
    found: Vec<(String, usize)>,
}

impl Visit<'_> for Prints {
    fn visit_item_mod(&mut self, module: &syn::ItemMod) {
        if !test_only(&module.attrs) {
            visit::visit_item_mod(self, module);
        }
    }

    fn visit_item_fn(&mut self, function: &syn::ItemFn) {
        if !test_only(&function.attrs) {
            visit::visit_item_fn(self, function);
        }
    }

    fn visit_macro(&mut self, mac: &syn::Macro) {
        if let Some(name) = mac.path.segments.last().map(|segment| segment.ident.to_string())
            && ["print", "println", "eprint", "eprintln"].contains(&name.as_str())
        {
            self.found.push((name, mac.path.segments[0].ident.span().start().line));
        }
        visit::visit_macro(self, mac);
    }
}

/// No program output goes through `println!` or `eprintln!`, which panic when their reader has
/// gone (`socklab list | head -1`, a listener whose stderr was closed): `terminal_text::say`
/// and `warn` lose the line instead. build.rs talks to cargo and is not socklab's output.
#[test]
fn output_never_goes_through_the_panicking_print_macros() {
    let mut files = Vec::new();
    rust_files(&src(), &mut files);
    let mut found = Vec::new();
    for path in files {
        let text = std::fs::read_to_string(&path).unwrap();
        let syntax = syn::parse_file(&text).unwrap();
        let mut prints = Prints { found: Vec::new() };
        prints.visit_file(&syntax);
        let relative = path.strip_prefix(src()).unwrap().display().to_string();
        found.extend(
            prints.found.into_iter().map(|(name, line)| format!("{relative}:{line} {name}!")),
        );
    }
    assert!(found.is_empty(), "use terminal_text::say or warn instead:\n{}", found.join("\n"));
}
