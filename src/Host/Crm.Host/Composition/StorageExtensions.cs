using Crm.SharedKernel.Documents;

namespace Crm.Host.Composition;

internal static class StorageExtensions
{
    /// <summary>
    /// Registers the one <see cref="DocumentModel"/> instance before anything declares a collection.
    /// AddDocumentCollection adds to the first DocumentModel registration only when that registration holds an
    /// instance; the SQLite engine's TryAddSingleton&lt;DocumentModel&gt;() holds none, so without this line every
    /// later declaration would start a model of its own and the store would see only the last one.
    /// </summary>
    public static IServiceCollection AddDocumentModel(this IServiceCollection services)
    {
        if (!services.Any(d => d.ServiceType == typeof(DocumentModel)))
        {
            services.AddSingleton(new DocumentModel());
        }

        return services;
    }
}
