using System.Globalization;
using System.Text.Json;
using Crm.SharedKernel.Infrastructure.Serialization;
using NUnit.Framework;

namespace Crm.SharedKernel.Tests.Serialization;

/// <summary>
/// Stored times are compared as text, so the hand-written formatter must give exactly the text of
/// <see cref="CrmJson.UtcFormat"/> for every instant, in documents, in SQL parameters and back through the reader.
/// </summary>
public sealed class UtcTextTests
{
    private static IEnumerable<DateTime> Instants()
    {
        yield return DateTime.MinValue;
        yield return DateTime.MaxValue;
        yield return new DateTime(1, 1, 1, 0, 0, 0, DateTimeKind.Utc).AddTicks(1);
        yield return new DateTime(999, 12, 31, 23, 59, 59, DateTimeKind.Utc);
        yield return new DateTime(2026, 2, 28, 23, 59, 59, 999, DateTimeKind.Utc).AddTicks(9_999);
        var random = new Random(7);
        for (var i = 0; i < 2_000; i++)
        {
            yield return new DateTime(random.NextInt64(DateTime.MinValue.Ticks, DateTime.MaxValue.Ticks), DateTimeKind.Utc);
        }
    }

    [Test]
    public void Formatted_times_equal_the_fixed_width_pattern_and_read_back_to_the_same_instant()
    {
        foreach (var instant in Instants())
        {
            var expected = instant.ToString(CrmJson.UtcFormat, CultureInfo.InvariantCulture);
            Assert.That(CrmJson.FormatUtc(new DateTimeOffset(instant)), Is.EqualTo(expected), instant.Ticks.ToString(CultureInfo.InvariantCulture));

            var json = JsonSerializer.Serialize(new DateTimeOffset(instant), CrmJson.Options);
            Assert.That(json, Is.EqualTo($"\"{expected}\""));
            Assert.That(JsonSerializer.Deserialize<DateTimeOffset>(json, CrmJson.Options).UtcTicks, Is.EqualTo(instant.Ticks));
        }
    }

    [Test]
    public void A_time_with_an_offset_is_written_as_its_utc_instant()
    {
        var local = new DateTimeOffset(2026, 11, 25, 4, 30, 0, TimeSpan.FromHours(2));
        Assert.That(JsonSerializer.Serialize(local, CrmJson.Options), Is.EqualTo("\"2026-11-25T02:30:00.0000000Z\""));
        Assert.That(JsonSerializer.Serialize(new DateTime(2026, 11, 25, 2, 30, 0, DateTimeKind.Unspecified), CrmJson.Options),
            Is.EqualTo("\"2026-11-25T02:30:00.0000000Z\""));
    }
}
