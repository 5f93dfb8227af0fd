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
            case UnaryExpression { NodeType: ExpressionType.Convert } unary when unary.Method is null:
                var operand = Evaluate(unary.Operand);
                return operand is null || unary.Type.IsInstanceOfType(operand) ? operand : Compile(expression);
            default:
                return Compile(expression);
        }
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
