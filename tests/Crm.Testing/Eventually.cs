namespace Crm.Testing;

/// <summary>Polls until a condition holds or a deadline passes; no fixed sleeps.</summary>
public static class Eventually
{
    public static async Task ThatAsync(Func<Task<bool>> condition, string what, TimeSpan? within = null)
    {
        var deadline = DateTime.UtcNow + (within ?? TimeSpan.FromSeconds(60));
        while (true)
        {
            if (await condition())
            {
                return;
            }

            if (DateTime.UtcNow > deadline)
            {
                Assert.Fail($"Timed out waiting until {what}.");
            }

            await Task.Delay(25);
        }
    }
}
