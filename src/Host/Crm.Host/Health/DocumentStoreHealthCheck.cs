using Crm.SharedKernel.Documents;
using Microsoft.Extensions.Diagnostics.HealthChecks;

namespace Crm.Host.Health;

/// <summary>Ready when the document store answers a ping.</summary>
internal sealed class DocumentStoreHealthCheck(IDocumentStore store) : IHealthCheck
{
    public async Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken = default)
    {
        try
        {
            await store.PingAsync(cancellationToken).ConfigureAwait(false);
            return HealthCheckResult.Healthy("The document store answers.");
        }
        catch (Exception exception) when (exception is not OperationCanceledException)
        {
            return HealthCheckResult.Unhealthy("The document store is not answering.", exception);
        }
    }
}
