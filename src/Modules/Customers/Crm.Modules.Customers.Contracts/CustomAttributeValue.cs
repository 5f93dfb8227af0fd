namespace Crm.Modules.Customers.Contracts;

public enum CustomAttributeType
{
    String,
    Number,
    Boolean,
    Date,
}

/// <summary>
/// A typed custom attribute value. Stored in this shape (one field per type) so that both engines keep the type and
/// a segment can compare numbers as numbers and dates as dates.
/// </summary>
public sealed record CustomAttributeValue
{
    public CustomAttributeType Type { get; init; }

    public string? Text { get; init; }

    public decimal? Number { get; init; }

    public bool? Flag { get; init; }

    /// <summary>UTC.</summary>
    public DateTimeOffset? Date { get; init; }

    public static CustomAttributeValue Of(string value) => new() { Type = CustomAttributeType.String, Text = value };

    public static CustomAttributeValue Of(decimal value) => new() { Type = CustomAttributeType.Number, Number = value };

    public static CustomAttributeValue Of(bool value) => new() { Type = CustomAttributeType.Boolean, Flag = value };

    public static CustomAttributeValue Of(DateTimeOffset value) =>
        new() { Type = CustomAttributeType.Date, Date = value.ToUniversalTime() };
}
