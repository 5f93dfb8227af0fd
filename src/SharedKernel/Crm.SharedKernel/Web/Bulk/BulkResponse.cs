using System.Text.Json.Serialization;
using Crm.SharedKernel.Errors;
using FluentValidation.Results;

namespace Crm.SharedKernel.Web.Bulk;

/// <summary>
/// Why one row of a bulk call or import was not stored. <see cref="Row"/> is 1-based in the order the rows were sent;
/// <see cref="Field"/> is the JSON path of the field at fault (null when the row as a whole is at fault);
/// <see cref="Id"/> names the stored record when the row reached one. Reasons never echo the row's values.
/// </summary>
public sealed record BulkRowError(
    int Row,
    string? Field,
    string Reason,
    [property: JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] string? Id = null);

/// <summary>
/// The answer of every bulk endpoint. <see cref="Failed"/> counts rows, not errors: a row with two bad fields is one
/// failed row with two entries in <see cref="Errors"/>.
/// </summary>
public sealed record BulkResponse(
    int Received,
    int Inserted,
    int Updated,
    int Unchanged,
    int Failed,
    IReadOnlyList<BulkRowError> Errors);

/// <summary>Turns rule failures into row errors, so every bulk endpoint keys them the same way.</summary>
public static class BulkRowErrors
{
    /// <summary>One error per failed rule, its field as the JSON path the client sent (<c>profile.country</c>).</summary>
    public static IEnumerable<BulkRowError> From(int row, ValidationResult validation, string? id = null)
    {
        ArgumentNullException.ThrowIfNull(validation);
        return validation.Errors.Select(failure => new BulkRowError(
            row,
            string.IsNullOrEmpty(failure.PropertyName) ? null : FieldPath.ToJson(failure.PropertyName),
            failure.ErrorMessage,
            id));
    }

    /// <summary>One error per field message of an <see cref="Error"/> (or one for the whole row when it has none).</summary>
    public static IEnumerable<BulkRowError> From(int row, Error error, string? id = null)
    {
        ArgumentNullException.ThrowIfNull(error);
        if (error.FieldErrors is not { Count: > 0 } fields)
        {
            return [new BulkRowError(row, null, error.Message, id)];
        }

        return fields.SelectMany(pair => pair.Value.Select(message => new BulkRowError(row, pair.Key, message, id)));
    }
}
