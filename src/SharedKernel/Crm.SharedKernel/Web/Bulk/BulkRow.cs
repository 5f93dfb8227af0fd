using System.Diagnostics.CodeAnalysis;

namespace Crm.SharedKernel.Web.Bulk;

/// <summary>
/// One row of a bulk body: its 1-based number and either the bound value or why it could not be read. Rows are
/// numbered in the order sent; blank NDJSON lines are not rows and take no number.
/// </summary>
public readonly record struct BulkRow<T>(int Row, T? Value, BulkRowError? Error)
    where T : class
{
    [MemberNotNullWhen(true, nameof(Value))]
    [MemberNotNullWhen(false, nameof(Error))]
    public bool IsValid => Error is null && Value is not null;
}

/// <summary>The two framings a bulk body may have.</summary>
public enum BulkFormat
{
    /// <summary>One JSON array of rows (<c>application/json</c>).</summary>
    JsonArray,

    /// <summary>One JSON value per line (<c>application/x-ndjson</c>, <c>application/jsonl</c>).</summary>
    Ndjson,
}

/// <summary>How much one bulk call may hold.</summary>
public sealed record BulkReadOptions
{
    public const int DefaultMaxRows = 100_000;

    /// <summary>More rows than this and the whole call is refused with 413 before anything is written.</summary>
    public int MaxRows { get; init; } = DefaultMaxRows;
}
