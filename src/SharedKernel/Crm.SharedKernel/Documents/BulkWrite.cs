namespace Crm.SharedKernel.Documents;

public enum BulkWriteMode
{
    /// <summary>Insert each row; a row whose id exists is reported as a conflict.</summary>
    Insert,

    /// <summary>Insert each row or replace the stored one with the same id, whatever its version.</summary>
    Upsert,
}

public enum BulkRowOutcome
{
    Inserted,
    Updated,
}

/// <summary>A row the store refused, by its position in the input.</summary>
public sealed record BulkWriteError(int Index, string Id, ConflictKind Kind, string Message);

public sealed record BulkWriteResult(int Inserted, int Updated, IReadOnlyList<BulkWriteError> Errors)
{
    public int Written => Inserted + Updated;
}
