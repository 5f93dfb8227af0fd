using System.Linq.Expressions;

namespace Crm.SharedKernel.Documents;

/// <summary>Field changes applied atomically against the stored document. Decimal money stays exact.</summary>
public interface IDocumentPatch<T>
    where T : class, IDocument
{
    IDocumentPatch<T> Increment(Expression<Func<T, int>> field, int by);

    IDocumentPatch<T> Increment(Expression<Func<T, long>> field, long by);

    IDocumentPatch<T> Increment(Expression<Func<T, decimal>> field, decimal by);

    IDocumentPatch<T> Increment(Expression<Func<T, double>> field, double by);

    IDocumentPatch<T> Set<TValue>(Expression<Func<T, TValue>> field, TValue value);

    /// <summary>Sets the field to <paramref name="value"/> when the stored value is missing or smaller.</summary>
    IDocumentPatch<T> Max<TValue>(Expression<Func<T, TValue>> field, TValue value)
        where TValue : IComparable<TValue>;
}
