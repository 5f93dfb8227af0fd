using System.Collections;
using System.Linq.Expressions;
using System.Reflection;
using System.Text;
using Crm.SharedKernel.Documents;

namespace Crm.SharedKernel.Infrastructure.Sqlite;

/// <summary>
/// Translates the port's LINQ subset into a SQL condition over the JSON documents. Missing and null fields behave as
/// in MongoDB: <c>!=</c> is <c>IS NOT</c>, and under a negation every comparison that could be NULL counts as false,
/// so <c>!(x.F &gt; 3)</c> matches documents without F. Values are always bound as parameters.
/// </summary>
internal sealed class SqlTranslator
{
    private readonly CollectionMap _map;
    private readonly SqlParameters _parameters;
    private readonly ParameterExpression _parameter;
    private int _negations;

    private SqlTranslator(CollectionMap map, SqlParameters parameters, ParameterExpression parameter)
    {
        _map = map;
        _parameters = parameters;
        _parameter = parameter;
    }

    public static string Translate(LambdaExpression predicate, CollectionMap map, SqlParameters parameters) =>
        new SqlTranslator(map, parameters, predicate.Parameters[0]).Visit(predicate.Body);

    private string Visit(Expression expression)
    {
        if (!Evaluator.Touches(expression, _parameter))
        {
            return Evaluator.Evaluate(expression) is true ? "1" : "0";
        }

        switch (expression.NodeType)
        {
            case ExpressionType.AndAlso:
            case ExpressionType.And when expression.Type == typeof(bool):
                var and = (BinaryExpression)expression;
                return "(" + Visit(and.Left) + " AND " + Visit(and.Right) + ")";
            case ExpressionType.OrElse:
            case ExpressionType.Or when expression.Type == typeof(bool):
                var or = (BinaryExpression)expression;
                return "(" + Visit(or.Left) + " OR " + Visit(or.Right) + ")";
            case ExpressionType.Not when expression.Type == typeof(bool):
                _negations++;
                var inner = Visit(((UnaryExpression)expression).Operand);
                _negations--;
                return "(NOT " + inner + ")";
            case ExpressionType.Equal:
            case ExpressionType.NotEqual:
            case ExpressionType.LessThan:
            case ExpressionType.LessThanOrEqual:
            case ExpressionType.GreaterThan:
            case ExpressionType.GreaterThanOrEqual:
                return Comparison((BinaryExpression)expression);
            case ExpressionType.MemberAccess:
                return BooleanMember((MemberExpression)expression);
            case ExpressionType.Call:
                return Call((MethodCallExpression)expression);
            case ExpressionType.Convert when expression.Type == typeof(bool):
                return Visit(((UnaryExpression)expression).Operand);
            default:
                throw Unsupported(expression);
        }
    }

    private string BooleanMember(MemberExpression member)
    {
        if (member.Member.Name == "HasValue" && member.Expression is not null && Nullable.GetUnderlyingType(member.Expression.Type) is not null)
        {
            return Column(Path(member.Expression)) + " IS NOT NULL";
        }

        return Leaf(Column(Path(member)) + " = 1");
    }

    private string Comparison(BinaryExpression binary)
    {
        var op = binary.NodeType;
        var left = binary.Left;
        var right = binary.Right;
        var leftIsPath = DocumentPath.TryResolve(left, _parameter, out var path);
        if (!leftIsPath)
        {
            if (!DocumentPath.TryResolve(right, _parameter, out path))
            {
                throw Unsupported(Evaluator.Touches(left, _parameter) ? left : right);
            }

            (left, right) = (right, left);
            op = Flip(op);
        }

        if (Evaluator.Touches(right, _parameter))
        {
            throw new UnsupportedQueryException($"'{binary}' compares two fields; compare a field with a value.");
        }

        var fieldType = DocumentPath.FieldTypeOf(left);
        if (fieldType.IsEnum && op is not (ExpressionType.Equal or ExpressionType.NotEqual))
        {
            throw new UnsupportedQueryException(
                $"'{binary}' orders an enum field; enums are stored as their names, so compare with == or != or use Enumerable.Contains.");
        }

        var value = SqlValue.From(Evaluator.Evaluate(right), fieldType);
        var column = Column(path);
        if (value is null)
        {
            return op switch
            {
                ExpressionType.Equal => column + " IS NULL",
                ExpressionType.NotEqual => column + " IS NOT NULL",
                _ => "0",
            };
        }

        var parameter = _parameters.Add(value);
        return op switch
        {
            ExpressionType.Equal => Leaf(column + " = " + parameter),
            ExpressionType.NotEqual => column + " IS NOT " + parameter,
            ExpressionType.LessThan => Leaf(column + " < " + parameter),
            ExpressionType.LessThanOrEqual => Leaf(column + " <= " + parameter),
            ExpressionType.GreaterThan => Leaf(column + " > " + parameter),
            _ => Leaf(column + " >= " + parameter),
        };
    }

    private string Call(MethodCallExpression call)
    {
        var method = call.Method;
        if (method.DeclaringType == typeof(string)
            && method.Name is nameof(string.StartsWith) or nameof(string.Contains) or nameof(string.EndsWith)
            && call.Object is not null && call.Arguments.Count == 1 && call.Arguments[0].Type == typeof(string))
        {
            return Text(method.Name, call.Object, call.Arguments[0]);
        }

        if (method.DeclaringType == typeof(MemoryExtensions))
        {
            throw new UnsupportedQueryException(
                $"MemoryExtensions.{method.Name} (C# 14 binds array.{method.Name}(x) to the span overload) is not in the query subset: "
                + "write Enumerable.Contains(array, x.Field) or use a List<T> or HashSet<T>.");
        }

        if (method.Name == nameof(Enumerable.Contains) && method.DeclaringType == typeof(Enumerable) && call.Arguments.Count == 2)
        {
            return Contains(call.Arguments[0], call.Arguments[1]);
        }

        if (method.Name == nameof(ICollection<int>.Contains) && !method.IsStatic && call.Object is not null
            && call.Arguments.Count == 1 && call.Object.Type != typeof(string) && typeof(IEnumerable).IsAssignableFrom(call.Object.Type))
        {
            return Contains(call.Object, call.Arguments[0]);
        }

        throw Unsupported(call);
    }

    /// <summary>string.StartsWith, Contains or EndsWith with one string argument: ordinal, and only text values match.</summary>
    private string Text(string method, Expression target, Expression argumentExpression)
    {
        if (Evaluator.Touches(argumentExpression, _parameter))
        {
            throw new UnsupportedQueryException($"string.{method} needs a value argument, not a field.");
        }

        var column = Column(Path(target));
        if (Evaluator.Evaluate(argumentExpression) is not string argument)
        {
            return "0";
        }

        if (argument.Length == 0)
        {
            return "typeof(" + column + ") = 'text'";
        }

        var bound = _parameters.Add(argument);
        switch (method)
        {
            case nameof(string.Contains):
                // instr would read a number as its text; MongoDB's regex matches strings only.
                return Leaf("typeof(" + column + ") = 'text' AND instr(" + column + ", " + bound + ") > 0");
            case nameof(string.EndsWith):
                // SQLite counts the suffix's length itself, in the same characters substr counts.
                return Leaf("typeof(" + column + ") = 'text' AND substr(" + column + ", -length(" + bound + ")) = " + bound);
        }

        // Text compares by UTF-8 bytes, which is code-point order, so the prefix's successor bounds an exact,
        // index-friendly range; no pattern characters to escape.
        var high = Successor(argument);
        return high is null
            ? Leaf(column + " >= " + bound + " AND substr(" + column + ", 1, " + _parameters.Add((long)argument.Length) + ") = " + bound)
            : Leaf(column + " >= " + bound + " AND " + column + " < " + _parameters.Add(high));
    }

    private string Contains(Expression source, Expression item)
    {
        var sourceTouches = Evaluator.Touches(source, _parameter);
        var itemTouches = Evaluator.Touches(item, _parameter);
        if (sourceTouches && !itemTouches)
        {
            var arrayPath = Path(source);
            if (arrayPath.Column is not null || !DocumentPath.IsArrayType(arrayPath.Type))
            {
                throw Unsupported(source);
            }

            var element = SqlValue.From(Evaluator.Evaluate(item), DocumentPath.FieldTypeOf(item));
            var pathArgument = CollectionMap.PathArgument(arrayPath, _parameters);
            var test = element is null ? "value IS NULL" : "value = " + _parameters.Add(element);
            return "EXISTS (SELECT 1 FROM json_each(doc, " + pathArgument + ") WHERE " + test + ")";
        }

        if (!sourceTouches && itemTouches)
        {
            var column = Column(Path(item));
            if (Evaluator.Evaluate(source) is not IEnumerable values)
            {
                return "0";
            }

            var json = SqlValue.ArrayJson(values, DocumentPath.FieldTypeOf(item), out var containsNull);
            var membership = Leaf(column + " IN (SELECT value FROM json_each(" + _parameters.Add(json) + "))");
            return containsNull ? "(" + membership + " OR " + column + " IS NULL)" : membership;
        }

        throw new UnsupportedQueryException(
            $"Contains over '{source}' with '{item}': write Enumerable.Contains(capturedValues, x.Field) or x.ArrayField.Contains(value).");
    }

    private DocumentPath Path(Expression expression) =>
        DocumentPath.TryResolve(expression, _parameter, out var path) ? path : throw Unsupported(expression);

    private string Column(DocumentPath path) => _map.ColumnFor(path, _parameters);

    /// <summary>Under a negation a NULL comparison must read as false, as a missing field does in MongoDB.</summary>
    private string Leaf(string condition) => _negations > 0 ? "COALESCE((" + condition + "), 0)" : "(" + condition + ")";

    private static ExpressionType Flip(ExpressionType op) => op switch
    {
        ExpressionType.LessThan => ExpressionType.GreaterThan,
        ExpressionType.LessThanOrEqual => ExpressionType.GreaterThanOrEqual,
        ExpressionType.GreaterThan => ExpressionType.LessThan,
        ExpressionType.GreaterThanOrEqual => ExpressionType.LessThanOrEqual,
        _ => op,
    };

    /// <summary>The smallest string greater than every string that starts with <paramref name="prefix"/>; null when none fits.</summary>
    internal static string? Successor(string prefix)
    {
        var runes = prefix.EnumerateRunes().ToList();
        while (runes.Count > 0)
        {
            var last = runes[^1].Value;
            runes.RemoveAt(runes.Count - 1);
            if (last < 0x10FFFF)
            {
                var next = last + 1 == 0xD800 ? 0xE000 : last + 1;
                var builder = new StringBuilder();
                foreach (var rune in runes)
                {
                    builder.Append(rune.ToString());
                }

                return builder.Append(new Rune(next).ToString()).ToString();
            }
        }

        return null;
    }

    internal static UnsupportedQueryException Unsupported(Expression expression)
    {
        var construct = expression switch
        {
            MethodCallExpression call => $"method {Describe(call.Method)}",
            BinaryExpression { NodeType: ExpressionType.Coalesce } => "the ?? operator",
            ConditionalExpression => "the ?: operator",
            _ => $"{expression.NodeType} expression",
        };
        return new UnsupportedQueryException(
            $"'{expression}' uses {construct}, which is outside the query subset (see docs/document-port.md).");
    }

    private static string Describe(MethodInfo method)
    {
        var parameters = string.Join(", ", method.GetParameters().Select(p => p.ParameterType.Name));
        return $"{method.DeclaringType?.Name}.{method.Name}({parameters})";
    }
}
