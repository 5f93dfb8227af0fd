namespace Crm.SharedKernel.Documents;

/// <summary>
/// A document kept by the store. <see cref="Version"/> is owned by the store: 0 means "never stored",
/// and every commit that changes the document raises it by one (optimistic concurrency).
/// </summary>
public interface IDocument
{
    string Id { get; set; }

    long Version { get; set; }
}
