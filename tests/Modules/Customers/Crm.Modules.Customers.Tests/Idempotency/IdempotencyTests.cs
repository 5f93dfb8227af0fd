using System.Net;
using System.Security.Cryptography;
using Carter;
using Crm.Modules.Customers.Tests.Support;
using Crm.SharedKernel.Documents;
using Crm.SharedKernel.Security;
using Crm.SharedKernel.Web;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;

namespace Crm.Modules.Customers.Tests.Idempotency;

public sealed class IdempotencyTests : HostFixture
{
    private readonly TestClock _clock = new();
    private readonly SlowEndpoint _slow = new();

    [Test]
    public async Task A_repeat_with_the_same_key_and_body_replays_the_first_response_and_creates_nothing_new()
    {
        var key = Guid.NewGuid().ToString();
        var body = CustomerRequests.Body();

        using var first = await Client.PostWithKeyAsync(CustomerRequests.Path, CustomerRequests.Json(body), key);
        using var repeat = await Client.PostWithKeyAsync(CustomerRequests.Path, CustomerRequests.Json(body), key);

        Assert.That(first.StatusCode, Is.EqualTo(HttpStatusCode.Created));
        Assert.That(first.Headers.Contains(IdempotencyOptions.ReplayedHeaderName), Is.False);
        Assert.That(repeat.StatusCode, Is.EqualTo(HttpStatusCode.Created));
        Assert.That(repeat.Headers.GetValues(IdempotencyOptions.ReplayedHeaderName), Is.EqualTo(new[] { "true" }));
        Assert.That(repeat.Headers.Location, Is.EqualTo(first.Headers.Location));
        Assert.That(repeat.Content.Headers.ContentType?.MediaType, Is.EqualTo("application/json"));
        Assert.That(await repeat.Content.ReadAsStringAsync(), Is.EqualTo(await first.Content.ReadAsStringAsync()));
        using var list = await Client.GetAsync($"{CustomerRequests.Path}?q={Uri.EscapeDataString(body["email"]!.GetValue<string>())}");
        Assert.That((await list.ReadJsonAsync()).GetProperty("items").GetArrayLength(), Is.EqualTo(1));
    }

    [Test]
    public async Task The_same_key_with_another_body_is_a_422_naming_the_header()
    {
        var key = Guid.NewGuid().ToString();
        using var first = await Client.PostWithKeyAsync(CustomerRequests.Path, CustomerRequests.Json(CustomerRequests.Body()), key);

        using var other = await Client.PostWithKeyAsync(CustomerRequests.Path, CustomerRequests.Json(CustomerRequests.Body()), key);

        var problem = await other.ReadProblemAsync(422);
        Assert.That(problem.FieldErrors("Idempotency-Key"), Is.Not.Empty);
    }

    [Test]
    public async Task A_repeated_visit_with_the_same_key_is_counted_once()
    {
        var id = (await Client.CreateAsync()).GetProperty("id").GetString()!;
        var key = Guid.NewGuid().ToString();

        using var first = await Client.PostWithKeyAsync($"{CustomerRequests.Path}/{id}/visits", CustomerRequests.Json("""{"at": "2025-01-01T00:00:00Z"}"""), key);
        using var repeat = await Client.PostWithKeyAsync($"{CustomerRequests.Path}/{id}/visits", CustomerRequests.Json("""{"at": "2025-01-01T00:00:00Z"}"""), key);

        Assert.That(repeat.Headers.Contains(IdempotencyOptions.ReplayedHeaderName), Is.True);
        Assert.That((await Client.GetCustomerAsync(id)).GetProperty("behaviour").GetProperty("visitCount").GetInt32(), Is.EqualTo(1));
    }

    [Test]
    public async Task A_repeat_while_the_first_request_still_runs_is_a_409_and_the_first_completes()
    {
        var key = Guid.NewGuid().ToString();
        var first = Client.PostWithKeyAsync(SlowEndpoint.Path, CustomerRequests.Json("{}"), key);
        await _slow.Entered.Task.WaitAsync(TimeSpan.FromSeconds(30));

        using var repeat = await Client.PostWithKeyAsync(SlowEndpoint.Path, CustomerRequests.Json("{}"), key);
        _slow.Release.TrySetResult();
        using var firstResponse = await first;

        await repeat.ReadProblemAsync(409);
        Assert.That(firstResponse.StatusCode, Is.EqualTo(HttpStatusCode.OK));
    }

    [Test]
    public async Task A_streamed_body_larger_than_the_memory_buffer_is_hashed_passed_on_and_replayed()
    {
        var key = Guid.NewGuid().ToString();
        var payload = RandomNumberGenerator.GetBytes(3 * 1024 * 1024);

        using var first = await Client.PostWithKeyAsync(EchoHashEndpoint.Path, Streamed(payload), key);
        using var repeat = await Client.PostWithKeyAsync(EchoHashEndpoint.Path, Streamed(payload), key);
        payload[^1] ^= 1;
        using var changed = await Client.PostWithKeyAsync(EchoHashEndpoint.Path, Streamed(payload), key);

        Assert.That(await first.Content.ReadAsStringAsync(), Is.EqualTo(Convert.ToHexStringLower(SHA256.HashData(payload.Select((b, i) => i == payload.Length - 1 ? (byte)(b ^ 1) : b).ToArray()))));
        Assert.That(repeat.Headers.Contains(IdempotencyOptions.ReplayedHeaderName), Is.True);
        Assert.That(await repeat.Content.ReadAsStringAsync(), Is.EqualTo(await first.Content.ReadAsStringAsync()));
        await changed.ReadProblemAsync(422);
    }

    [Test]
    public async Task A_key_is_forgotten_after_24_hours_and_the_sweep_deletes_it()
    {
        var key = Guid.NewGuid().ToString();
        using var first = await Client.PostWithKeyAsync(CustomerRequests.Path, CustomerRequests.Json(CustomerRequests.Body()), key);
        _clock.Advance(TimeSpan.FromHours(24) + TimeSpan.FromMinutes(1));

        using var reused = await Client.PostWithKeyAsync(CustomerRequests.Path, CustomerRequests.Json(CustomerRequests.Body()), key);
        var stale = Guid.NewGuid().ToString();
        using var old = await Client.PostWithKeyAsync(CustomerRequests.Path, CustomerRequests.Json(CustomerRequests.Body()), stale);
        _clock.Advance(TimeSpan.FromHours(25));
        var sweeper = Factory.Services.GetServices<IHostedService>().OfType<IdempotencySweeper>().Single();
        var swept = await sweeper.SweepAsync(CancellationToken.None);

        Assert.That(first.StatusCode, Is.EqualTo(HttpStatusCode.Created));
        Assert.That(reused.StatusCode, Is.EqualTo(HttpStatusCode.Created), "an expired key is a new key, whatever the body");
        Assert.That(reused.Headers.Contains(IdempotencyOptions.ReplayedHeaderName), Is.False);
        Assert.That(swept, Is.GreaterThanOrEqualTo(2));
        await using var session = Factory.Services.GetRequiredService<IDocumentStore>().OpenSession();
        var now = _clock.GetUtcNow();
        Assert.That(await session.Query<IdempotencyRecord>().Where(r => r.ExpiresAt <= now).CountAsync(), Is.Zero);
    }

    [Test]
    public async Task A_request_that_failed_on_the_server_releases_its_key_so_a_retry_runs_again()
    {
        var key = Guid.NewGuid().ToString();

        using var failed = await Client.PostWithKeyAsync(FlakyEndpoint.Path, CustomerRequests.Json("{}"), key);
        using var retried = await Client.PostWithKeyAsync(FlakyEndpoint.Path, CustomerRequests.Json("{}"), key);
        using var repeated = await Client.PostWithKeyAsync(FlakyEndpoint.Path, CustomerRequests.Json("{}"), key);

        await failed.ReadProblemAsync(500);
        Assert.That(retried.StatusCode, Is.EqualTo(HttpStatusCode.OK));
        Assert.That(retried.Headers.Contains(IdempotencyOptions.ReplayedHeaderName), Is.False);
        Assert.That(repeated.Headers.Contains(IdempotencyOptions.ReplayedHeaderName), Is.True);
        Assert.That(await repeated.Content.ReadAsStringAsync(), Is.EqualTo(await retried.Content.ReadAsStringAsync()));
    }

    [Test]
    public async Task A_key_with_a_space_is_a_400_naming_the_header()
    {
        const string key = "has space";
        using var request = new HttpRequestMessage(HttpMethod.Post, CustomerRequests.Path) { Content = CustomerRequests.Json(CustomerRequests.Body()) };
        request.Headers.TryAddWithoutValidation("Idempotency-Key", key);

        using var response = await Client.SendAsync(request);

        var problem = await response.ReadProblemAsync(400);
        Assert.That(problem.FieldErrors("Idempotency-Key"), Is.Not.Empty);
    }

    [Test]
    public async Task A_key_longer_than_255_characters_is_a_400()
    {
        using var response = await Client.PostWithKeyAsync(CustomerRequests.Path, CustomerRequests.Json(CustomerRequests.Body()), new string('k', 256));

        await response.ReadProblemAsync(400);
    }

    protected override CrmHostFactory CreateFactory() => new CrmHostFactory().WithTestServices(services => services
        .AddSingleton<TimeProvider>(_clock)
        .AddSingleton<ICarterModule>(_slow)
        .AddSingleton<ICarterModule, EchoHashEndpoint>()
        .AddSingleton<ICarterModule, FlakyEndpoint>());

    private static StreamContent Streamed(byte[] payload)
    {
        // No Content-Length: the body arrives as a stream of unknown size, as bulk NDJSON does.
        var content = new StreamContent(new NoLengthStream(payload));
        content.Headers.ContentType = new System.Net.Http.Headers.MediaTypeHeaderValue("application/x-ndjson");
        return content;
    }

    private sealed class SlowEndpoint : ICarterModule
    {
        public const string Path = "/api/v1/test-slow";

        public TaskCompletionSource Entered { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);

        public TaskCompletionSource Release { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);

        public void AddRoutes(IEndpointRouteBuilder app) => app.MapPost("/test-slow", async () =>
        {
            Entered.TrySetResult();
            await Release.Task.WaitAsync(TimeSpan.FromSeconds(30));
            return TypedResults.Ok(new { done = true });
        }).RequireSignedIn();
    }

    private sealed class EchoHashEndpoint : ICarterModule
    {
        public const string Path = "/api/v1/test-echo-hash";

        public void AddRoutes(IEndpointRouteBuilder app) => app.MapPost("/test-echo-hash", async (HttpRequest request) =>
        {
            using var buffer = new MemoryStream();
            await request.Body.CopyToAsync(buffer);
            return TypedResults.Text(Convert.ToHexStringLower(SHA256.HashData(buffer.ToArray())));
        }).RequireSignedIn();
    }

    private sealed class FlakyEndpoint : ICarterModule
    {
        public const string Path = "/api/v1/test-flaky";

        private int _calls;

        public void AddRoutes(IEndpointRouteBuilder app) => app.MapPost("/test-flaky", () =>
            Interlocked.Increment(ref _calls) == 1
                ? throw new InvalidOperationException("the first call fails, as a lost database connection would")
                : TypedResults.Ok(new { call = _calls })).RequireSignedIn();
    }

    private sealed class NoLengthStream(byte[] payload) : MemoryStream(payload)
    {
        public override bool CanSeek => false;
    }
}
