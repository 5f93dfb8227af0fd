namespace Crm.Modules.Customers.Domain;

/// <summary>
/// Lets writes to one customer inside this process take turns (striped by id, so memory stays fixed), for writes
/// that would otherwise clash on the version and retry, such as parallel visits. It only reduces clashes: the
/// store's version check remains the guard across processes.
/// </summary>
internal sealed class CustomerWriteGate : IDisposable
{
    private readonly SemaphoreSlim[] _stripes = [.. Enumerable.Range(0, 256).Select(_ => new SemaphoreSlim(1, 1))];

    public async Task<IDisposable> EnterAsync(string customerId, CancellationToken cancellationToken)
    {
        var stripe = _stripes[(uint)StringComparer.Ordinal.GetHashCode(customerId) % (uint)_stripes.Length];
        await stripe.WaitAsync(cancellationToken).ConfigureAwait(false);
        return new Turn(stripe);
    }

    public void Dispose()
    {
        foreach (var stripe in _stripes)
        {
            stripe.Dispose();
        }
    }

    private sealed class Turn(SemaphoreSlim stripe) : IDisposable
    {
        private int _released;

        public void Dispose()
        {
            if (Interlocked.Exchange(ref _released, 1) == 0)
            {
                stripe.Release();
            }
        }
    }
}
