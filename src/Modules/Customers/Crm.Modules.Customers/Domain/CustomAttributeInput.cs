using System.Text.Json;
using System.Text.Json.Serialization;
using Crm.Modules.Customers.Contracts;

namespace Crm.Modules.Customers.Domain;

/// <summary>
/// A custom attribute value as a client sent it: a typed value, a removal (JSON <c>null</c>), or the reason it cannot
/// be one (checked by <see cref="CustomerInputValidator"/>). Typed while the row is read, so a bulk call does not keep
/// a <see cref="JsonDocument"/> per value alive until the row is applied.
/// </summary>
[JsonConverter(typeof(CustomAttributeInputConverter))]
internal readonly record struct CustomAttributeInput
{
    private CustomAttributeInput(CustomAttributeValue? value, string? problem)
    {
        Value = value;
        Problem = problem;
    }

    /// <summary>The value to store; null for a removal or a value that cannot be one.</summary>
    public CustomAttributeValue? Value { get; }

    /// <summary>Why the sent value cannot be a custom attribute; null when it can.</summary>
    public string? Problem { get; }

    public bool IsRemoval => Value is null && Problem is null;

    public static CustomAttributeInput Removal { get; }

    public static CustomAttributeInput Of(CustomAttributeValue value) => new(value ?? throw new ArgumentNullException(nameof(value)), null);

    public static CustomAttributeInput Invalid(string problem) => new(null, problem);

    /// <summary>
    /// Text as sent, typed by <see cref="CustomAttributes.FromText"/> (a JSON string, or a CSV cell with
    /// <paramref name="inferNumbers"/>); longer than <see cref="CustomAttributes.MaxTextLength"/> it cannot be one.
    /// </summary>
    public static CustomAttributeInput FromText(string text, bool inferNumbers)
    {
        ArgumentNullException.ThrowIfNull(text);
        return text.Length > CustomAttributes.MaxTextLength
            ? Invalid($"must be at most {CustomAttributes.MaxTextLength} characters")
            : Of(CustomAttributes.FromText(text, inferNumbers));
    }

    /// <summary>Reads one JSON value at <paramref name="reader"/>; anything but a scalar or null is skipped and refused.</summary>
    public static CustomAttributeInput Read(ref Utf8JsonReader reader)
    {
        switch (reader.TokenType)
        {
            case JsonTokenType.Null:
                return Removal;
            case JsonTokenType.True:
                return Of(CustomAttributeValue.Of(true));
            case JsonTokenType.False:
                return Of(CustomAttributeValue.Of(false));
            case JsonTokenType.Number:
                return reader.TryGetDecimal(out var number) ? Of(CustomAttributeValue.Of(number)) : Invalid("is a number out of range");
            case JsonTokenType.String:
                return FromText(reader.GetString()!, inferNumbers: false);
            default:
                reader.Skip();
                return Invalid("must be a string, number, boolean, date or null");
        }
    }
}

/// <summary>Custom attribute values in JSON: read typed, written as the client sees them.</summary>
internal sealed class CustomAttributeInputConverter : JsonConverter<CustomAttributeInput>
{
    public override bool HandleNull => true;

    public override CustomAttributeInput Read(ref Utf8JsonReader reader, Type typeToConvert, JsonSerializerOptions options) =>
        CustomAttributeInput.Read(ref reader);

    public override void Write(Utf8JsonWriter writer, CustomAttributeInput value, JsonSerializerOptions options)
    {
        ArgumentNullException.ThrowIfNull(writer);
        if (value.Value is { } typed)
        {
            JsonSerializer.Serialize(writer, CustomAttributes.ToJsonValue(typed), options);
        }
        else
        {
            writer.WriteNullValue();
        }
    }
}
