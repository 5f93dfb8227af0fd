namespace Crm.SharedKernel.Infrastructure.Sqlite;

/// <summary>The writer's prepared statements for one collection, prepared on first use and kept for the store's life.</summary>
internal sealed class CollectionStatements(SQLitePCL.sqlite3 db, CollectionMap map) : IDisposable
{
    private RawStatement? _insert;
    private RawStatement? _update;
    private RawStatement? _upsert;
    private RawStatement? _delete;
    private RawStatement? _deleteVersioned;
    private RawStatement? _select;
    private RawStatement? _replace;

    public CollectionMap Map { get; } = map;

    /// <summary>?1 id, ?2 doc.</summary>
    public RawStatement Insert => _insert ??= new(db, $"INSERT INTO {Map.Table} (id, version, doc) VALUES (?1, 1, ?2)");

    /// <summary>?1 id, ?2 doc, ?3 expected version.</summary>
    public RawStatement Update => _update ??= new(db, $"UPDATE {Map.Table} SET version = version + 1, doc = ?2 WHERE id = ?1 AND version = ?3");

    /// <summary>?1 id, ?2 doc; returns the stored version (1 when inserted).</summary>
    public RawStatement Upsert => _upsert ??= new(db,
        $"INSERT INTO {Map.Table} (id, version, doc) VALUES (?1, 1, ?2) ON CONFLICT (id) DO UPDATE SET version = version + 1, doc = excluded.doc RETURNING version");

    /// <summary>?1 id.</summary>
    public RawStatement Delete => _delete ??= new(db, $"DELETE FROM {Map.Table} WHERE id = ?1");

    /// <summary>?1 id, ?2 expected version.</summary>
    public RawStatement DeleteVersioned => _deleteVersioned ??= new(db, $"DELETE FROM {Map.Table} WHERE id = ?1 AND version = ?2");

    /// <summary>?1 id; returns version, doc.</summary>
    public RawStatement Select => _select ??= new(db, $"SELECT version, doc FROM {Map.Table} WHERE id = ?1");

    /// <summary>?1 id, ?2 doc: a patch's result, raising the version.</summary>
    public RawStatement Replace => _replace ??= new(db, $"UPDATE {Map.Table} SET version = version + 1, doc = ?2 WHERE id = ?1 RETURNING version");

    public void Dispose()
    {
        _insert?.Dispose();
        _update?.Dispose();
        _upsert?.Dispose();
        _delete?.Dispose();
        _deleteVersioned?.Dispose();
        _select?.Dispose();
        _replace?.Dispose();
    }
}
