using Crm.Modules.Identity.Audit;
using Crm.Modules.Identity.Domain;
using Crm.Modules.Identity.Tokens;
using Crm.SharedKernel.Documents;
using Crm.SharedKernel.Errors;
using Crm.SharedKernel.Security;
using Crm.SharedKernel.Validation;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace Crm.Modules.Identity.SignIn.Setup;

/// <summary>Makes the first admin: checks what they chose and stores them, for the configured bootstrap and the setup endpoint alike.</summary>
internal sealed class FirstAdmin(IDocumentStore store, Passwords passwords, TimeProvider time)
{
    public Error? Check(string? email, string? password)
    {
        var errors = new Dictionary<string, string[]>(StringComparer.Ordinal);
        if (string.IsNullOrWhiteSpace(email) || email.Trim().Length > EmailAddress.MaxLength || !EmailAddress.IsValid(email))
        {
            errors["email"] = ["Give a valid email address."];
        }

        if (string.IsNullOrEmpty(password) || password.Length < passwords.MinLength)
        {
            errors["password"] = [$"The password must have at least {passwords.MinLength} characters."];
        }

        return errors.Count == 0 ? null : Error.InvalidFields(errors);
    }

    /// <summary>Stores the admin; null when a user with that email appeared meanwhile.</summary>
    public async Task<User?> CreateAsync(string email, string password, string? name, CancellationToken cancellationToken)
    {
        var now = time.GetUtcNow();
        var user = new User
        {
            Id = DocumentId.New(time),
            Email = Passwords.NormaliseEmail(email),
            Name = string.IsNullOrWhiteSpace(name) ? null : name.Trim(),
            Role = Roles.Admin,
            Status = UserStatus.Active,
            CreatedAt = now,
        };
        user.PasswordHash = passwords.Hash(user, password);
        var session = store.OpenSession();
        await using (session.ConfigureAwait(false))
        {
            session.Store(user);
            try
            {
                await session.SaveChangesAsync(cancellationToken).ConfigureAwait(false);
            }
            catch (DocumentConflictException)
            {
                return null;
            }
        }

        return user;
    }
}

/// <summary>
/// At start, with no user in the store: creates the admin named by <c>Auth:BootstrapAdmin</c>, or, when none is
/// configured, opens setup with a one-time code written to the log. A store that is not reachable yet (MongoDB
/// starting beside the host) is tried again in the background rather than stopping the host. Also loads the
/// signing key, so that a missing or broken key stops the host at start rather than at the first request.
/// </summary>
internal sealed partial class BootstrapAdmin(
    IDocumentStore store,
    FirstAdmin firstAdmin,
    SetupCode setup,
    SigningKeys keys,
    IAuditLog audit,
    IOptions<AuthOptions> options,
    ILogger<BootstrapAdmin> logger) : IHostedService, IDisposable
{
    private static readonly TimeSpan RetryDelay = TimeSpan.FromSeconds(5);
    private readonly CancellationTokenSource _stopping = new();
    private Task? _retry;

    public async Task StartAsync(CancellationToken cancellationToken)
    {
        // Resolving the key here makes a missing or broken one stop the start, not the first signed-in request.
        _ = keys.Credentials;
        var configured = options.Value.BootstrapAdmin;
        var hasEmail = !string.IsNullOrWhiteSpace(configured.Email);
        var hasPassword = !string.IsNullOrEmpty(configured.Password);
        if (hasEmail != hasPassword)
        {
            throw new InvalidOperationException("Auth:BootstrapAdmin needs both Email and Password, or neither (then setup opens with a one-time code).");
        }

        if (hasEmail && firstAdmin.Check(configured.Email, configured.Password) is { } invalid)
        {
            throw new InvalidOperationException(
                "Auth:BootstrapAdmin is not usable: " + string.Join(" ", invalid.FieldErrors!.Values.SelectMany(m => m)));
        }

        try
        {
            await BootstrapAsync(cancellationToken).ConfigureAwait(false);
        }
        catch (StoreUnavailableException)
        {
            LogStoreNotReady(logger, RetryDelay.TotalSeconds);
            _retry = RetryAsync(_stopping.Token);
        }
    }

    public async Task StopAsync(CancellationToken cancellationToken)
    {
        // Nothing to stop unless the store was down at start (and a host may be stopped more than once).
        if (_retry is { IsCompleted: false } retry)
        {
            await _stopping.CancelAsync().ConfigureAwait(false);
            await retry.ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
        }
    }

    public void Dispose() => _stopping.Dispose();

    private async Task RetryAsync(CancellationToken cancellationToken)
    {
        while (!cancellationToken.IsCancellationRequested)
        {
            try
            {
                await Task.Delay(RetryDelay, cancellationToken).ConfigureAwait(false);
                await BootstrapAsync(cancellationToken).ConfigureAwait(false);
                return;
            }
            catch (StoreUnavailableException)
            {
                // Still not reachable; the readiness check reports it meanwhile.
            }
            catch (OperationCanceledException)
            {
                return;
            }
        }
    }

    private async Task BootstrapAsync(CancellationToken cancellationToken)
    {
        if (await Users.AnyAsync(store, cancellationToken).ConfigureAwait(false))
        {
            return;
        }

        var configured = options.Value.BootstrapAdmin;
        if (string.IsNullOrWhiteSpace(configured.Email))
        {
            var code = setup.Open();
            // A fragment, not a query: browsers never send it, so the code stays out of access logs and Referer headers.
            LogSetupOpen(logger, code, "/api/v1/auth/setup#code=" + code);
            return;
        }

        var admin = await firstAdmin.CreateAsync(configured.Email, configured.Password!, configured.Name, cancellationToken).ConfigureAwait(false);
        if (admin is not null)
        {
            LogBootstrapped(logger, admin.Id);
            await audit.RecordAsync(
                new AuditRecord(AuditActions.SetupCompleted, null, null, admin.Id, Detail: "first admin from Auth:BootstrapAdmin"),
                cancellationToken).ConfigureAwait(false);
        }
    }

    [LoggerMessage(EventId = 1, Level = LogLevel.Warning,
        Message = "No user exists yet. Create the first admin with POST /api/v1/auth/setup and the one-time setup code {SetupCode}, or open {SetupLink} on this host (see docs/identity.md)")]
    private static partial void LogSetupOpen(ILogger logger, string setupCode, string setupLink);

    [LoggerMessage(EventId = 2, Level = LogLevel.Information, Message = "Created the first admin {UserId} from Auth:BootstrapAdmin")]
    private static partial void LogBootstrapped(ILogger logger, string userId);

    [LoggerMessage(EventId = 3, Level = LogLevel.Warning, Message = "The store is not reachable yet; the first-admin check runs again in {Seconds} s")]
    private static partial void LogStoreNotReady(ILogger logger, double seconds);
}
