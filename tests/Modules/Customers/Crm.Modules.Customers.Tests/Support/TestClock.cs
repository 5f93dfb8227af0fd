namespace Crm.Modules.Customers.Tests.Support;

/// <summary>A clock a test moves by hand; timers still run on real time, so background services keep working.</summary>
internal sealed class TestClock : TimeProvider
{
    private long _offsetTicks;

    public override DateTimeOffset GetUtcNow() => base.GetUtcNow().AddTicks(Interlocked.Read(ref _offsetTicks));

    public void Advance(TimeSpan by) => Interlocked.Add(ref _offsetTicks, by.Ticks);
}
