using Crm.SharedKernel.Errors;
using Crm.SharedKernel.Mediation;
using FluentValidation;
using Mediator;

namespace Crm.Host.Tests.Mediation;

public sealed class ValidationBehaviorTests
{
    [Test]
    public async Task A_valid_request_reaches_its_handler()
    {
        var behavior = new ValidationBehavior<CreateProbe, Result<string>>([new CreateProbeValidator()]);

        var result = await behavior.Handle(new CreateProbe("ada@example.com", 36, new ProbeAddress("SW1A 1AA")), Handler, CancellationToken.None);

        Assert.That(result.IsSuccess, Is.True);
        Assert.That(result.Value, Is.EqualTo("created ada@example.com"));
    }

    [Test]
    public async Task An_invalid_request_returning_a_result_gets_a_failed_result_with_errors_from_every_validator()
    {
        var handled = false;
        var behavior = new ValidationBehavior<CreateProbe, Result<string>>([new CreateProbeValidator(), new ProbeAddressValidator()]);

        var result = await behavior.Handle(
            new CreateProbe("", 12, new ProbeAddress("")),
            (message, token) =>
            {
                handled = true;
                return Handler(message, token);
            },
            CancellationToken.None);

        Assert.That(handled, Is.False, "the handler never runs on an invalid request");
        Assert.That(result.IsFailure, Is.True);
        Assert.That(result.Error!.Kind, Is.EqualTo(ErrorKind.Validation));
        Assert.That(result.Error.FieldErrors!.Keys, Is.EquivalentTo(new[] { "email", "age", "address.postCode" }));
    }

    [Test]
    public async Task An_invalid_request_returning_a_plain_result_gets_a_failed_result()
    {
        var behavior = new ValidationBehavior<DeleteProbe, Result>([new DeleteProbeValidator()]);

        var result = await behavior.Handle(new DeleteProbe(""), (_, _) => ValueTask.FromResult(Result.Success()), CancellationToken.None);

        Assert.That(result.Error?.FieldErrors, Does.ContainKey("id"));
    }

    [Test]
    public async Task An_invalid_request_with_another_response_type_throws_a_validation_exception_with_field_errors()
    {
        var behavior = new ValidationBehavior<RenameProbe, string>([new RenameProbeValidator()]);

        var exception = await Assert.ThrowsAsync<RequestValidationException>(
            async () => await behavior.Handle(new RenameProbe(""), (_, _) => ValueTask.FromResult("renamed"), CancellationToken.None));

        Assert.That(exception!.FieldErrors["newName"], Is.EqualTo(new[] { "'New Name' must not be empty." }));
        Assert.That(exception.RequestType, Is.EqualTo(nameof(RenameProbe)));
    }

    [Test]
    public async Task A_request_without_validators_reaches_its_handler()
    {
        var behavior = new ValidationBehavior<RenameProbe, string>([]);

        Assert.That(await behavior.Handle(new RenameProbe(""), (_, _) => ValueTask.FromResult("renamed"), CancellationToken.None), Is.EqualTo("renamed"));
    }

    [Test]
    public void Field_paths_are_named_as_the_json_the_client_sent()
    {
        Assert.That(FieldPath.ToJson("Address.PostCode"), Is.EqualTo("address.postCode"));
        Assert.That(FieldPath.ToJson("Items[2].Sku"), Is.EqualTo("items[2].sku"));
        Assert.That(FieldPath.ToJson("URL"), Is.EqualTo("url"));
    }

    private static ValueTask<Result<string>> Handler(CreateProbe request, CancellationToken cancellationToken) =>
        ValueTask.FromResult(Result.Success($"created {request.Email}"));
}

public sealed record ProbeAddress(string PostCode);

public sealed record CreateProbe(string Email, int Age, ProbeAddress Address) : IRequest<Result<string>>;

public sealed record DeleteProbe(string Id) : IRequest<Result>;

public sealed record RenameProbe(string NewName) : IRequest<string>;

internal sealed class CreateProbeValidator : AbstractValidator<CreateProbe>
{
    public CreateProbeValidator()
    {
        RuleFor(x => x.Email).NotEmpty().EmailAddress();
        RuleFor(x => x.Age).GreaterThanOrEqualTo(18);
    }
}

internal sealed class ProbeAddressValidator : AbstractValidator<CreateProbe>
{
    public ProbeAddressValidator() => RuleFor(x => x.Address.PostCode).NotEmpty();
}

internal sealed class DeleteProbeValidator : AbstractValidator<DeleteProbe>
{
    public DeleteProbeValidator() => RuleFor(x => x.Id).NotEmpty();
}

internal sealed class RenameProbeValidator : AbstractValidator<RenameProbe>
{
    public RenameProbeValidator() => RuleFor(x => x.NewName).NotEmpty();
}
