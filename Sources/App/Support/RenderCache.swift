// Rendered pages kept by what they were rendered from. A page is the template applied to its context (the Encodable
// value a handler passes to `req.view.render`) in the request's language (the `#t`/`#num` tags read it): the same
// three give the same bytes. So the cache is keyed by the template's name, the language and a SHA-256 of the context
// encoded as JSON (sorted keys). The handler still runs every query and every side effect (the audit row of a list,
// the "delivered" marks of an inbox) and builds the context from the rows it read now; only Leaf's walk over the
// template is skipped when the context is one already rendered. There is nothing to invalidate: a write that changes
// what a page shows changes its context, hence its key. Measured in docs/benchmarks.md.
//
// The one per-visitor value in a context that does not come from the database is the form token (Support/CSRF.swift):
// before keying and storing, the caller's token is replaced by a random marker of the same length, made at start and
// never sent; a page taken from the cache gets the caller's own token back in its place.
//
// On only where Leaf caches templates (production, and tests): in development templates are read from disk on each
// page, and a changed template must show.
import Crypto
import Foundation
import Leaf
import Vapor

final class RenderCache: Sendable {
    /// The bytes of rendered pages the cache keeps at most; the least recently used go first.
    static let defaultBudget = 8 << 20
    /// A page larger than this is rendered each time (a print view of 500 households).
    static let largestPage = 256 << 10

    struct Key: Hashable, Sendable {
        var digest: SHA256Digest
    }

    let budget: Int
    /// Stands for the caller's form token in keys and stored pages; 32 characters of the token's alphabet.
    let marker: [UInt8]
    private let pages: KeptStore<Key, [UInt8]>

    init(budget: Int = RenderCache.defaultBudget) {
        self.budget = budget
        pages = KeptStore(budget: budget, largest: Self.largestPage) { _, bytes in bytes.count + 48 }
        var m = ""
        while m.count < 32 { m += Tokens.generate().dropFirst(3).filter { $0.isLetter || $0.isNumber } }
        marker = Array(m.prefix(32).utf8)
    }

    /// Hits and misses since start (tests check that a page was served from the cache).
    var counts: (hits: Int, misses: Int) { pages.counts }

    fileprivate func lookup(_ key: Key) -> [UInt8]? { pages.value(key) }

    fileprivate func store(_ key: Key, _ bytes: [UInt8]) { pages.keep(key, bytes) }

    fileprivate static func key(template: String, lang: Lang, context: [UInt8]) -> Key {
        var h = SHA256()
        h.update(data: Array(template.utf8))
        h.update(data: [0])
        h.update(data: Array(lang.rawValue.utf8))
        h.update(data: [0])
        h.update(data: context)
        return Key(digest: h.finalize())
    }

    /// `bytes` with every occurrence of `what` replaced by `with` (both the same length).
    /// Where `what` starts in `bytes`, each occurrence (not overlapping), in order.
    static func offsets(of what: [UInt8], in bytes: [UInt8]) -> [Int] {
        guard let first = what.first, bytes.count >= what.count else { return [] }
        var out: [Int] = []
        bytes.withUnsafeBufferPointer { b in
            what.withUnsafeBufferPointer { w in
                var i = 0
                let last = b.count - w.count
                while i <= last {
                    if b[i] == first && memcmp(b.baseAddress! + i, w.baseAddress!, w.count) == 0 {
                        out.append(i)
                        i += w.count
                    } else {
                        i += 1
                    }
                }
            }
        }
        return out
    }

    /// `bytes` in a buffer, with `token` written over what is at each of `offsets` (as long as the token): a kept
    /// page with the caller's form token, in one copy and no search.
    static func spliced(_ bytes: [UInt8], at offsets: [Int], token: [UInt8]) -> ByteBuffer {
        var buffer = ByteBufferAllocator().buffer(capacity: bytes.count)
        bytes.withUnsafeBufferPointer { b in
            var from = 0
            for at in offsets where at >= from && at + token.count <= b.count {
                buffer.writeBytes(UnsafeRawBufferPointer(UnsafeBufferPointer(rebasing: b[from ..< at])))
                buffer.writeBytes(token)
                from = at + token.count
            }
            buffer.writeBytes(UnsafeRawBufferPointer(UnsafeBufferPointer(rebasing: b[from...])))
        }
        return buffer
    }

    static func replacing(_ bytes: [UInt8], _ what: [UInt8], with: [UInt8]) -> [UInt8] {
        precondition(what.count == with.count)
        guard let first = what.first, !what.isEmpty, bytes.count >= what.count else { return bytes }
        var out = bytes
        var i = 0
        let last = bytes.count - what.count
        while i <= last {
            if bytes[i] == first && bytes[i ..< i + what.count].elementsEqual(what) {
                out.replaceSubrange(i ..< i + what.count, with: with)
                i += what.count
            } else {
                i += 1
            }
        }
        return out
    }
}

extension Application {
    private struct RenderCacheKey: StorageKey { typealias Value = RenderCache }

    /// The cache of rendered pages, when pages are cached (see above).
    var renderCache: RenderCache? {
        get { storage[RenderCacheKey.self] }
        set { storage[RenderCacheKey.self] = newValue }
    }
}

extension Application.Views.Provider {
    /// Leaf, with rendered pages kept by template, language and context wherever Leaf keeps its templates.
    static var cachedLeaf: Self {
        .init { app in
            if app.config.renderCacheMB > 0 { app.renderCache = RenderCache(budget: app.config.renderCacheMB << 20) }
            app.views.use { CachedLeafRenderer(app: $0, request: nil) }
        }
    }
}

struct CachedLeafRenderer: ViewRenderer {
    let app: Application
    let request: Request?

    func `for`(_ request: Request) -> any ViewRenderer { CachedLeafRenderer(app: request.application, request: request) }

    func render<E: Encodable>(_ name: String, _ context: E) -> EventLoopFuture<View> {
        guard let req = request else { return app.leaf.renderer.render(name, context) }
        guard let cache = app.renderCache, app.environment != .development, app.leaf.cache.isEnabled,
              var json = try? Self.encoder.encode(context).withUnsafeBytes({ Array($0) })
        else { return req.leaf.render(name, context) }
        // The caller's form token, if this browser has one: it is the only per-visitor value not read from the database.
        let token: [UInt8]? = req.sessionBox.cookie.flatMap { seed in
            FormKey.cached(app).map { Array(FormKey.token(for: seed, key: $0).utf8) }
        }.flatMap { $0.count == cache.marker.count ? $0 : nil }
        if let token { json = RenderCache.replacing(json, token, with: cache.marker) }
        let key = RenderCache.key(template: name, lang: req.lang, context: json)
        if let stored = cache.lookup(key) {
            let bytes = token.map { RenderCache.replacing(stored, cache.marker, with: $0) } ?? stored
            return req.eventLoop.makeSucceededFuture(View(data: ByteBuffer(bytes: bytes)))
        }
        return req.leaf.render(path: name, context: context).map { buffer in
            let rendered = Array(buffer.readableBytesView)
            cache.store(key, token.map { RenderCache.replacing(rendered, $0, with: cache.marker) } ?? rendered)
            return View(data: buffer)
        }
    }

    private static var encoder: JSONEncoder {
        let e = JSONEncoder()
        e.outputFormatting = [.sortedKeys]
        return e
    }
}
