using System.Threading.Channels;
using Crm.Modules.Customers.Features.UpsertCustomers;
using Microsoft.Extensions.Options;

namespace Crm.Modules.Customers.Features.ImportCustomers;

/// <summary>Job ids waiting for the import worker. Bounded: a full queue refuses new jobs instead of growing.</summary>
internal sealed class ImportQueue(IOptions<ImportOptions> options)
{
    private readonly Channel<string> _jobs = Channel.CreateBounded<string>(new BoundedChannelOptions(Math.Max(1, options.Value.QueueCapacity))
    {
        SingleReader = true,
        FullMode = BoundedChannelFullMode.Wait,
    });

    public bool TryEnqueue(string jobId) => _jobs.Writer.TryWrite(jobId);

    /// <summary>Waits for room: for jobs found queued at start-up, which were accepted before the restart.</summary>
    public ValueTask EnqueueAsync(string jobId, CancellationToken cancellationToken) => _jobs.Writer.WriteAsync(jobId, cancellationToken);

    public ChannelReader<string> Reader => _jobs.Reader;
}
