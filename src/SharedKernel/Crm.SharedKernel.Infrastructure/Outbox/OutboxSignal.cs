namespace Crm.SharedKernel.Infrastructure.Outbox;

/// <summary>
/// Wakes the dispatcher before its poll interval ends: a store may pulse it after a commit that wrote events, and
/// the delivery monitor pulses it when an operator retries a parked delivery.
/// </summary>
internal sealed class OutboxSignal
{
    private TaskCompletionSource _pulse = NewSource();

    public void Pulse() => Volatile.Read(ref _pulse).TrySetResult();

    /// <summary>Forgets earlier pulses. Called before the dispatcher reads, so that a pulse during the read still wakes the next wait.</summary>
    public void Reset()
    {
        var current = Volatile.Read(ref _pulse);
        if (current.Task.IsCompleted)
        {
            Interlocked.CompareExchange(ref _pulse, NewSource(), current);
        }
    }

    /// <summary>Waits for a pulse or for <paramref name="timeout"/>; true when pulsed.</summary>
    public async Task<bool> WaitAsync(TimeSpan timeout, TimeProvider time, CancellationToken cancellationToken)
    {
        var pulse = Volatile.Read(ref _pulse).Task;
        if (pulse.IsCompleted)
        {
            return true;
        }

        using var stopWaiting = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        var elapsed = Task.Delay(timeout, time, stopWaiting.Token);
        var first = await Task.WhenAny(pulse, elapsed).ConfigureAwait(false);
        await stopWaiting.CancelAsync().ConfigureAwait(false);
        cancellationToken.ThrowIfCancellationRequested();
        return first == pulse;
    }

    private static TaskCompletionSource NewSource() => new(TaskCreationOptions.RunContinuationsAsynchronously);
}
