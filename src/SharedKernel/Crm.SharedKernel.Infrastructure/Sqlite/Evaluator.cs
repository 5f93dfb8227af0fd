using System.Globalization;
using System.Linq.Expressions;
using System.Reflection;

namespace Crm.SharedKernel.Infrastructure.Sqlite;

/// <summary>Evaluates the parts of a predicate that do not read the document: constants, captured variables, closures.</summary>
internal static class Evaluator
{
    public static bool TryEvaluate(Expression expression, ParameterExpression parameter, out object? value)
    {
        value = null;
        if (Touches(expression, parameter))
        {
            return false;
        }

        value = Evaluate(expression);
        return true;
    }

    public static bool Touches(Expression expression, ParameterExpression parameter)
    {
        var finder = new ParameterFinder(parameter);
        finder.Visit(expression);
        return finder.Found;
    }

    public static object? Evaluate(Expression expression)
    {
        switch (expression)
        {
            case ConstantExpression constant:
                return constant.Value;
            case MemberExpression { Member: FieldInfo field } member:
                return field.GetValue(member.Expression is null ? null : Evaluate(member.Expression));
            case MemberExpression { Member: PropertyInfo property } member:
                return property.GetValue(member.Expression is null ? null : Evaluate(member.Expression));
            // Constructors and calls over values (new DateTimeOffset(...), now.AddDays(-30)) are common in predicates;
            // reflection is far cheaper than compiling a lambda for each query.
            case NewExpression { Constructor: not null } creation:
                return creation.Constructor.Invoke(BindingFlags.DoNotWrapExceptions, null, EvaluateAll(creation.Arguments), null);
            case MethodCallExpression call:
                return call.Method.Invoke(call.Object is null ? null : Evaluate(call.Object), BindingFlags.DoNotWrapExceptions, null, EvaluateAll(call.Arguments), null);
            case UnaryExpression { NodeType: ExpressionType.Convert } unary when unary.Method is null:
                var operand = Evaluate(unary.Operand);
                return operand is null || unary.Type.IsInstanceOfType(operand) ? operand
                    : TryWiden(operand, unary.Type, out var widened) ? widened
                    : Compile(expression);
            default:
                return Compile(expression);
        }
    }

    private static object?[] EvaluateAll(IReadOnlyList<Expression> expressions)
    {
        var values = new object?[expressions.Count];
        for (var i = 0; i < values.Length; i++)
        {
            values[i] = Evaluate(expressions[i]);
        }

        return values;
    }

    /// <summary>
    /// The lossless conversions C# wraps around captured values (an enum to its number, an int to a long, double or
    /// decimal), done without compiling; anything that could round, truncate or overflow is left to the compiler.
    /// </summary>
    private static bool TryWiden(object operand, Type type, out object? widened)
    {
        var target = Nullable.GetUnderlyingType(type) ?? type;
        if (operand is Enum)
        {
            operand = Convert.ChangeType(operand, Enum.GetUnderlyingType(operand.GetType()), CultureInfo.InvariantCulture);
        }

        var lossless = operand.GetType() == target
            || (operand is sbyte or byte or short or ushort or int or uint or long
                && (target == typeof(long) || target == typeof(decimal) || (target == typeof(double) && operand is not long)));
        widened = lossless ? Convert.ChangeType(operand, target, CultureInfo.InvariantCulture) : null;
        return lossless;
    }

    private static object? Compile(Expression expression) =>
        Expression.Lambda<Func<object?>>(Expression.Convert(expression, typeof(object))).Compile(preferInterpretation: true)();

    private sealed class ParameterFinder(ParameterExpression parameter) : ExpressionVisitor
    {
        public bool Found { get; private set; }

        public override Expression? Visit(Expression? node) => Found ? node : base.Visit(node);

        protected override Expression VisitParameter(ParameterExpression node)
        {
            if (node == parameter)
            {
                Found = true;
            }

            return node;
        }
    }
}
