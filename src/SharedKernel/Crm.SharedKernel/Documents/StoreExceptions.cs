namespace Crm.SharedKernel.Documents;

public enum ConflictKind
{
    /// <summary>The stored version is not the one the writer read.</summary>
    VersionMismatch,

    /// <summary>A unique index (or the id) already holds the value.</summary>
    DuplicateKey,
}

/// <summary>A commit clashed with stored data. Nothing of the commit was written.</summary>
public sealed class DocumentConflictException : Exception
{
    public DocumentConflictException(ConflictKind kind, string collection, string documentId, string? index, string message)
        : base(message)
    {
        Kind = kind;
        Collection = collection;
        DocumentId = documentId;
        Index = index;
    }

    public ConflictKind Kind { get; }

    public string Collection { get; }

    public string DocumentId { get; }

    /// <summary>The unique index's field path, for <see cref="ConflictKind.DuplicateKey"/> on a declared index.</summary>
    public string? Index { get; }
}

/// <summary>The engine cannot be reached or is not answering. Maps to 503.</summary>
public sealed class StoreUnavailableException : Exception
{
    public StoreUnavailableException(string message, Exception? inner = null)
        : base(message, inner)
    {
    }
}

/// <summary>A query uses a construct outside the port's LINQ subset. A bug in the caller, never a client's fault.</summary>
public sealed class UnsupportedQueryException : NotSupportedException
{
    public UnsupportedQueryException(string message)
        : base(message)
    {
    }
}
