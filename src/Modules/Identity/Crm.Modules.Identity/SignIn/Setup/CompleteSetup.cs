using Carter;
using Crm.Modules.Identity.Audit;
using Crm.Modules.Identity.Tokens;
using Crm.SharedKernel.Documents;
using Crm.SharedKernel.Errors;
using Crm.SharedKernel.Security;
using Mediator;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;

namespace Crm.Modules.Identity.SignIn.Setup;

internal sealed record CompleteSetupBody(string? Code, string? Email, string? Password, string? Name);

internal sealed record CompleteSetup(string? Code, string? Email, string? Password, string? Name, string? IpAddress) : IRequest<Result<TokenPair>>;

/// <summary>Creates the first admin with the one-time code from the log, and signs them in. Works only while no user exists.</summary>
internal sealed class CompleteSetupHandler(
    IDocumentStore store,
    SetupCode setup,
    FirstAdmin firstAdmin,
    ITokenIssuer tokens,
    IAuditLog audit) : IRequestHandler<CompleteSetup, Result<TokenPair>>
{
    public static readonly Error NotOpen = Error.NotFound("auth.setup_done", "Setup is done: a user exists already. Sign in instead.");

    private static readonly Error WrongCode =
        Error.Unauthorized("auth.setup_code", "The setup code is not right. Use the code the host wrote to its log at start.");

    public async ValueTask<Result<TokenPair>> Handle(CompleteSetup request, CancellationToken cancellationToken)
    {
        await setup.Setup.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            if (!setup.IsOpen || await Users.AnyAsync(store, cancellationToken).ConfigureAwait(false))
            {
                return NotOpen;
            }

            if (!setup.Matches(request.Code))
            {
                await audit.RecordAsync(
                    new AuditRecord(AuditActions.SetupCompleted, null, null, Succeeded: false, Detail: "wrong setup code", IpAddress: request.IpAddress),
                    cancellationToken).ConfigureAwait(false);
                return WrongCode;
            }

            if (firstAdmin.Check(request.Email, request.Password) is { } invalid)
            {
                return invalid;
            }

            var admin = await firstAdmin.CreateAsync(request.Email!, request.Password!, request.Name, cancellationToken).ConfigureAwait(false);
            if (admin is null)
            {
                return NotOpen;
            }

            setup.Close();
            await audit.RecordAsync(
                new AuditRecord(AuditActions.SetupCompleted, admin.Id, admin.Email, admin.Id, Detail: "first admin with the setup code", IpAddress: request.IpAddress),
                cancellationToken).ConfigureAwait(false);
            return await tokens.SignInAsync(admin, cancellationToken).ConfigureAwait(false);
        }
        finally
        {
            setup.Setup.Release();
        }
    }
}

internal sealed class CompleteSetupEndpoint : ICarterModule
{
    public void AddRoutes(IEndpointRouteBuilder app) =>
        AuthApi.Group(app)
            .MapPost("/setup", HandleAsync)
            .WithName("CompleteSetup")
            .WithSummary("Creates the first admin with the one-time setup code from the host's log, and signs them in.")
            .AllowAnonymousBecause("first-admin setup: needs the one-time code from the host's log, works only while no user exists, rate-limited per client address")
            .RequireRateLimiting(RateLimitPolicies.SignIn)
            .Produces<TokenResponse>()
            .ProducesValidationProblem()
            .ProducesProblem(StatusCodes.Status401Unauthorized)
            .ProducesProblem(StatusCodes.Status404NotFound)
            .ProducesProblem(StatusCodes.Status429TooManyRequests);

    private static async Task<IResult> HandleAsync(CompleteSetupBody body, ISender sender, HttpContext httpContext, TimeProvider time, CancellationToken cancellationToken)
    {
        var result = await sender.Send(
            new CompleteSetup(body.Code, body.Email, body.Password, body.Name, AuthApi.ClientAddress(httpContext)), cancellationToken);
        return result.ToTokenResult(httpContext, time);
    }
}
