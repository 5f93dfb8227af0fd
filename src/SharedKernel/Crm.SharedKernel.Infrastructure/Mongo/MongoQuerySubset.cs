using System.Collections;
using System.Linq.Expressions;
using System.Reflection;
using Crm.SharedKernel.Documents;
using MongoDB.Driver.Linq;

namespace Crm.SharedKernel.Infrastructure.Mongo;

/// <summary>
/// Holds predicates to the port's LINQ subset before the driver sees them. The driver's provider translates far more
/// (ToLower, arithmetic, field-to-field comparisons, Any); accepting that here would let code pass on MongoDB and fail
/// on SQLite, so anything outside the subset fails on both, naming the construct.
/// </summary>
internal static class MongoQuerySubset
{
    public const string Subset =
        "member paths (nested properties, dictionary values by key, list elements by position), comparisons with constants or captured values, " +
        "&&, ||, !, string.StartsWith(string), string.Contains(string), string.EndsWith(string), Contains over a captured collection or an array field, and null checks";

    public static void EnsurePredicate(LambdaExpression predicate) => CheckCondition(predicate.Body, predicate);

    /// <summary>Sort keys, index paths and patched fields must be plain member paths.</summary>
    public static void EnsurePath(LambdaExpression path, string role)
    {
        if (!IsPath(StripConvert(path.Body)))
        {
            throw new UnsupportedQueryException(
                $"The {role} '{path}' is not a member path: use a property path such as x => x.Address.City or x => x.Attributes[\"tier\"].");
        }
    }

    /// <summary>Runs a driver rendering step, turning the provider's refusals into the port's exception.</summary>
    public static TResult Translate<TResult>(Func<TResult> render, Expression expression)
    {
        try
        {
            return render();
        }
        catch (Exception ex) when (ex is ExpressionNotSupportedException or InvalidOperationException
                                   || (ex is NotSupportedException && ex is not UnsupportedQueryException))
        {
            throw new UnsupportedQueryException(
                $"MongoDB's LINQ provider cannot translate '{expression}': {ex.Message} Queries use {Subset}.");
        }
    }

    private static void CheckCondition(Expression expression, LambdaExpression root)
    {
        if (!DependsOnDocument(expression))
        {
            return;
        }

        switch (expression)
        {
            case BinaryExpression { NodeType: ExpressionType.AndAlso or ExpressionType.OrElse } logical:
                CheckCondition(logical.Left, root);
                CheckCondition(logical.Right, root);
                return;
            case UnaryExpression { NodeType: ExpressionType.Not } not:
                CheckCondition(not.Operand, root);
                return;
            case BinaryExpression comparison when IsComparison(comparison.NodeType):
                CheckComparison(comparison, root);
                return;
            case MethodCallExpression call:
                CheckCall(call, root);
                return;
            case var _ when IsPath(StripConvert(expression)) && Nullable.GetUnderlyingType(expression.Type) is null:
                return;
            default:
                throw Unsupported(Describe(expression), expression, root);
        }
    }

    private static void CheckComparison(BinaryExpression comparison, LambdaExpression root)
    {
        var left = StripConvert(comparison.Left);
        var right = StripConvert(comparison.Right);
        if (comparison.Method is { } op && op.DeclaringType != typeof(string) && !IsPrimitiveOperator(op))
        {
            throw Unsupported($"the operator method {op.DeclaringType?.Name}.{op.Name}", comparison, root);
        }

        var leftPath = IsPath(left);
        var rightPath = IsPath(right);
        if (leftPath && rightPath)
        {
            throw Unsupported("a comparison between two fields", comparison, root);
        }

        if (leftPath && !DependsOnDocument(right) || rightPath && !DependsOnDocument(left))
        {
            // Enums are stored as names, which do not sort as the values; the SQLite engine refuses this too.
            var field = leftPath ? left : right;
            if (comparison.NodeType is not (ExpressionType.Equal or ExpressionType.NotEqual)
                && (Nullable.GetUnderlyingType(field.Type) ?? field.Type).IsEnum)
            {
                throw Unsupported(
                    "an ordering comparison of an enum field (enums are stored as their names, so compare with == or != or use Enumerable.Contains)",
                    comparison,
                    root);
            }

            return;
        }

        var offender = leftPath || !DependsOnDocument(left) ? right : left;
        throw Unsupported(Describe(offender), offender, root);
    }

    private static void CheckCall(MethodCallExpression call, LambdaExpression root)
    {
        var method = call.Method;
        if (method.DeclaringType == typeof(string) && method.Name is nameof(string.StartsWith) or nameof(string.Contains) or nameof(string.EndsWith))
        {
            if (call.Arguments is [{ Type: var argumentType } argument] && argumentType == typeof(string)
                && call.Object is { } target && IsPath(target) && !DependsOnDocument(argument))
            {
                return;
            }

            throw Unsupported(
                call.Arguments.Count > 1
                    ? $"{method.Name} with a StringComparison or culture (string comparison is always ordinal)"
                    : $"{method.Name} other than on a member path with a constant or captured string (the Char overloads are not in the subset)",
                call,
                root);
        }

        if (method.DeclaringType == typeof(MemoryExtensions))
        {
            // The driver would translate it, but the SQLite engine does not; the subset keeps both engines alike.
            throw new UnsupportedQueryException(
                $"MemoryExtensions.{method.Name} (C# 14 binds array.{method.Name}(x) to the span overload) is not in the query subset: "
                + $"write Enumerable.Contains(array, x.Field) or use a List<T> or HashSet<T> ('{call}' in '{root}').");
        }

        if (method.Name == "Contains" && ContainsOperands(call) is var (source, item))
        {
            var sourceIsValue = !DependsOnDocument(source);
            var itemIsValue = !DependsOnDocument(item);
            if ((sourceIsValue && IsPath(StripConvert(item))) || (IsPath(StripConvert(source)) && itemIsValue))
            {
                return;
            }

            throw Unsupported("Contains other than captured-collection.Contains(x.Field) or x.ArrayField.Contains(value)", call, root);
        }

        throw Unsupported(Describe(call), call, root);
    }

    /// <summary>
    /// The collection and the item of a Contains call: Enumerable.Contains or an instance ICollection&lt;T&gt;.Contains
    /// (a List, a HashSet, a list field). string.Contains is not one of them.
    /// </summary>
    private static (Expression Source, Expression Item)? ContainsOperands(MethodCallExpression call)
    {
        var method = call.Method;
        if (method.DeclaringType == typeof(string))
        {
            return null;
        }

        if (method.IsStatic && method.DeclaringType == typeof(Enumerable) && call.Arguments.Count == 2)
        {
            return (call.Arguments[0], call.Arguments[1]);
        }

        if (!method.IsStatic && call.Object is { } instance && call.Arguments.Count == 1
            && typeof(IEnumerable).IsAssignableFrom(instance.Type))
        {
            return (instance, call.Arguments[0]);
        }

        return null;
    }

    /// <summary>A path from the document: x.A.B, x.Map["key"], x.List[0], x.Nullable.Value, x.Nullable.HasValue.</summary>
    private static bool IsPath(Expression expression) => expression switch
    {
        MemberExpression { Expression: ParameterExpression } => true,
        MemberExpression { Expression: { } inner } member => IsPathMember(member, inner.Type) && IsPath(StripConvert(inner)),
        MethodCallExpression { Method.Name: "get_Item", Object: { } map, Arguments: [var key] } =>
            (IsDictionary(map.Type) || (IsList(map.Type) && key.Type == typeof(int))) && IsPath(StripConvert(map)) && !DependsOnDocument(key),
        _ => false,
    };

    /// <summary>
    /// A property of a document's own types, or Value/HasValue of a nullable. Members of the runtime's types
    /// (string.Length, List.Count, DateTime.Year) are computations, not stored fields.
    /// </summary>
    private static bool IsPathMember(MemberExpression member, Type owner)
    {
        if (Nullable.GetUnderlyingType(owner) is not null)
        {
            return member.Member.Name is "Value" or "HasValue";
        }

        return !(owner.IsPrimitive || owner.IsEnum || owner == typeof(string)
                 || typeof(IEnumerable).IsAssignableFrom(owner)
                 || (owner.Namespace?.StartsWith("System", StringComparison.Ordinal) ?? false));
    }

    /// <summary>A list field read by position (<c>x.Tags[0] == null</c> is how the subset asks for an empty list).</summary>
    private static bool IsList(Type type) =>
        type.GetInterfaces().Append(type).Any(i => i.IsGenericType && i.GetGenericTypeDefinition() == typeof(IList<>));

    private static bool IsDictionary(Type type) =>
        type.GetInterfaces().Append(type).Any(i =>
            i.IsGenericType && (i.GetGenericTypeDefinition() == typeof(IDictionary<,>) || i.GetGenericTypeDefinition() == typeof(IReadOnlyDictionary<,>)));

    private static Expression StripConvert(Expression expression)
    {
        while (expression is UnaryExpression { NodeType: ExpressionType.Convert or ExpressionType.ConvertChecked } convert)
        {
            expression = convert.Operand;
        }

        return expression;
    }

    private static bool IsComparison(ExpressionType type) => type is ExpressionType.Equal or ExpressionType.NotEqual
        or ExpressionType.LessThan or ExpressionType.LessThanOrEqual or ExpressionType.GreaterThan or ExpressionType.GreaterThanOrEqual;

    /// <summary>decimal, DateTimeOffset and the like compare through operator methods that the driver reads as plain comparisons.</summary>
    private static bool IsPrimitiveOperator(MethodInfo method) =>
        method.Name.StartsWith("op_", StringComparison.Ordinal) && method.DeclaringType is { IsValueType: true };

    private static bool DependsOnDocument(Expression expression)
    {
        var finder = new ParameterFinder();
        finder.Visit(expression);
        return finder.Found;
    }

    private static string Describe(Expression expression) => expression switch
    {
        MethodCallExpression call => $"the method {call.Method.DeclaringType?.Name}.{call.Method.Name}",
        BinaryExpression binary => $"the operator {binary.NodeType}",
        ConditionalExpression => "a conditional (?:)",
        UnaryExpression unary => $"the operator {unary.NodeType}",
        MemberExpression member => $"the member {member.Member.Name} on something other than a member path",
        ParameterExpression => "the document itself",
        _ => $"an expression of kind {expression.NodeType}",
    };

    private static UnsupportedQueryException Unsupported(string construct, Expression at, LambdaExpression root) =>
        new($"The document port does not translate {construct} ('{at}' in '{root}'). Queries use {Subset}.");

    private sealed class ParameterFinder : ExpressionVisitor
    {
        public bool Found { get; private set; }

        protected override Expression VisitParameter(ParameterExpression node)
        {
            Found = true;
            return node;
        }
    }
}
