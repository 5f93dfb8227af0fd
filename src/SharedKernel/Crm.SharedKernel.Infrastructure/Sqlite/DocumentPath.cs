using System.Collections;
using System.Linq.Expressions;
using System.Reflection;
using System.Text;
using Crm.SharedKernel.Documents;

namespace Crm.SharedKernel.Infrastructure.Sqlite;

/// <summary>
/// A field of a stored document, as the chain of JSON names (and dictionary keys, and list positions) that reaches it.
/// <see cref="Column"/> is set for the two fields that live in their own columns: id and version.
/// </summary>
internal sealed class DocumentPath
{
    private DocumentPath(IReadOnlyList<object> segments, Type type, string? column)
    {
        Segments = segments;
        Type = type;
        Column = column;
        JsonPath = BuildJsonPath(segments);
        IsLiteralSafe = segments.All(s => s is int || s is string name && IsIdentifier(name));
    }

    /// <summary>Property names and dictionary keys (<see cref="string"/>) and list positions (<see cref="int"/>).</summary>
    public IReadOnlyList<object> Segments { get; }

    /// <summary>The CLR type of the field (nullable wrapper removed).</summary>
    public Type Type { get; }

    public string? Column { get; }

    /// <summary>The SQLite JSON path, e.g. <c>$.address.city</c> or <c>$.attributes."tier"</c>.</summary>
    public string JsonPath { get; }

    /// <summary>True when the path holds only code identifiers, so it can be written into SQL text; else it is bound.</summary>
    public bool IsLiteralSafe { get; }

    public override string ToString() => JsonPath;

    /// <summary>Resolves a member-path lambda such as <c>x => x.Address.City</c> (used for indexes, orders and patches).</summary>
    public static DocumentPath FromLambda(LambdaExpression lambda) =>
        TryResolve(lambda.Body, lambda.Parameters[0], out var path)
            ? path
            : throw new UnsupportedQueryException($"'{lambda}' is not a member path (write x => x.Field or x => x.Dictionary[\"key\"]).");

    /// <summary>
    /// Resolves <paramref name="expression"/> into a path rooted at <paramref name="parameter"/>; false when the
    /// expression is not a path. Throws when it is a path-like construct outside the subset.
    /// </summary>
    public static bool TryResolve(Expression expression, ParameterExpression parameter, out DocumentPath path)
    {
        var segments = new List<object>();
        path = null!;
        var type = expression.Type;
        var current = StripConvert(expression);
        while (current != parameter)
        {
            switch (current)
            {
                case MemberExpression { Member: PropertyInfo { Name: "Value" } } nullable
                    when nullable.Expression is not null && Nullable.GetUnderlyingType(nullable.Expression.Type) is not null:
                    current = StripConvert(nullable.Expression);
                    continue;
                case MemberExpression { Expression: not null } member when member.Member is PropertyInfo or FieldInfo:
                    if (IsContainer(member.Expression.Type))
                    {
                        throw new UnsupportedQueryException(
                            $"'{member}': {member.Expression.Type.Name}.{member.Member.Name} is not in the query subset (only stored fields can be read).");
                    }

                    segments.Add(DocumentJson.NameOf(member.Member));
                    current = StripConvert(member.Expression);
                    continue;
                case MethodCallExpression { Method.Name: "get_Item", Object: not null, Arguments.Count: 1 } indexer:
                    if (!Evaluator.TryEvaluate(indexer.Arguments[0], parameter, out var key))
                    {
                        return false;
                    }

                    segments.Add(key switch
                    {
                        string s => s,
                        int i => i,
                        _ => throw new UnsupportedQueryException($"Indexer '{indexer}' must use a string key or an int position."),
                    });
                    current = StripConvert(indexer.Object);
                    continue;
                case BinaryExpression { NodeType: ExpressionType.ArrayIndex } arrayIndex:
                    if (!Evaluator.TryEvaluate(arrayIndex.Right, parameter, out var position) || position is not int index)
                    {
                        return false;
                    }

                    segments.Add(index);
                    current = StripConvert(arrayIndex.Left);
                    continue;
                default:
                    return false;
            }
        }

        if (segments.Count == 0)
        {
            return false;
        }

        segments.Reverse();
        var fieldType = Nullable.GetUnderlyingType(type) ?? type;
        string? column = null;
        if (segments.Count == 1 && typeof(IDocument).IsAssignableFrom(parameter.Type))
        {
            column = segments[0] switch
            {
                "id" => "id",
                "version" => "version",
                _ => null,
            };
        }

        path = new DocumentPath(segments, fieldType, column);
        return true;
    }

    /// <summary>
    /// The type the member itself declares, seen through Convert nodes: C# compares enum and char fields as ints,
    /// so the value side must be turned back into the stored form.
    /// </summary>
    public static Type FieldTypeOf(Expression expression)
    {
        var stripped = StripConvert(expression);
        return Nullable.GetUnderlyingType(stripped.Type) ?? stripped.Type;
    }

    public static Expression StripConvert(Expression expression)
    {
        while (expression is UnaryExpression { NodeType: ExpressionType.Convert or ExpressionType.ConvertChecked or ExpressionType.TypeAs } unary)
        {
            expression = unary.Operand;
        }

        return expression;
    }

    private static bool IsContainer(Type type) =>
        type == typeof(string) || typeof(IEnumerable).IsAssignableFrom(type) || Nullable.GetUnderlyingType(type) is not null;

    /// <summary>True for the collection types whose JSON is an array (not string, not dictionary).</summary>
    public static bool IsArrayType(Type type) =>
        type != typeof(string) && typeof(IEnumerable).IsAssignableFrom(type) && !typeof(IDictionary).IsAssignableFrom(type)
        && !type.GetInterfaces().Any(i => i.IsGenericType && i.GetGenericTypeDefinition() == typeof(IReadOnlyDictionary<,>));

    private static string BuildJsonPath(IReadOnlyList<object> segments)
    {
        var builder = new StringBuilder("$");
        foreach (var segment in segments)
        {
            switch (segment)
            {
                case int position:
                    builder.Append('[').Append(position).Append(']');
                    break;
                case string name when IsIdentifier(name):
                    builder.Append('.').Append(name);
                    break;
                case string key:
                    if (key.Contains('"', StringComparison.Ordinal))
                    {
                        throw new UnsupportedQueryException("A dictionary key with a double quote cannot be queried.");
                    }

                    builder.Append(".\"").Append(key).Append('"');
                    break;
            }
        }

        return builder.ToString();
    }

    private static bool IsIdentifier(string name)
    {
        if (name.Length == 0 || !(char.IsAsciiLetter(name[0]) || name[0] == '_'))
        {
            return false;
        }

        foreach (var c in name)
        {
            if (!char.IsAsciiLetterOrDigit(c) && c != '_')
            {
                return false;
            }
        }

        return true;
    }
}
