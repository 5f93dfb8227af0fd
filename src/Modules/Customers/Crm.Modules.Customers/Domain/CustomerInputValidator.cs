using Crm.SharedKernel.Validation;
using System.Collections.Concurrent;
using System.Text.RegularExpressions;
using Crm.Modules.Customers.Contracts;
using FluentValidation;
using FluentValidation.Results;

namespace Crm.Modules.Customers.Domain;

/// <summary>
/// The rules every way into the module applies (REST, PATCH after merging, bulk rows, CSV rows), so a customer is
/// stored only in one shape. Field names in errors are the JSON paths (<c>profile.country</c>, <c>customAttributes.plan</c>).
/// </summary>
internal sealed partial class CustomerInputValidator : AbstractValidator<CustomerInput>
{
    public const int MaxLabels = 100;

    public const int MaxLabelLength = 64;

    /// <summary>Ids already looked up: the system lookup is the costliest rule and a bulk call repeats a few zones.</summary>
    private static readonly ConcurrentDictionary<string, bool> KnownTimeZones = new(StringComparer.Ordinal);

    private static readonly ValidationResult Valid = new();

    private readonly TimeProvider _time;

    public CustomerInputValidator(TimeProvider time)
    {
        _time = time;

        // Stop at the first failure: the later rules assume an email is there (a missing one was a 500).
        RuleFor(x => x.Email)
            .Cascade(CascadeMode.Stop)
            .NotEmpty().WithMessage("is required")
            .MaximumLength(EmailAddress.MaxLength).WithMessage($"must be at most {EmailAddress.MaxLength} characters")
            .Must(EmailAddress.IsValid!).WithMessage("is not a valid email address");

        RuleFor(x => x.Name).MaximumLength(200).WithMessage("must be at most 200 characters");

        RuleFor(x => x.Phone)
            .Must(phone => E164().IsMatch(phone!.Trim())).WithMessage("must be in E.164 form, e.g. +4915112345678")
            .When(x => !string.IsNullOrWhiteSpace(x.Phone));

        RuleFor(x => x.TimeZone)
            .Must(BeAnIanaTimeZone!).WithMessage("must be an IANA time zone id, e.g. Europe/Berlin")
            .When(x => !string.IsNullOrWhiteSpace(x.TimeZone));

        RuleFor(x => x.Profile!.Age).InclusiveBetween(0, 150).WithMessage("must be between 0 and 150")
            .When(x => x.Profile?.Age is not null).OverridePropertyName("profile.age");

        RuleFor(x => x.Profile!.BirthDate)
            .Must(date => date >= new DateOnly(1900, 1, 1) && date <= DateOnly.FromDateTime(time.GetUtcNow().UtcDateTime))
            .WithMessage("must be a date between 1900-01-01 and today")
            .When(x => x.Profile?.BirthDate is not null).OverridePropertyName("profile.birthDate");

        RuleFor(x => x.Profile!.Gender).MaximumLength(32).WithMessage("must be at most 32 characters")
            .When(x => x.Profile is not null).OverridePropertyName("profile.gender");

        RuleFor(x => x.Profile!.City).MaximumLength(100).WithMessage("must be at most 100 characters")
            .When(x => x.Profile is not null).OverridePropertyName("profile.city");

        RuleFor(x => x.Profile!.Country)
            .Must(country => Countries.IsKnown(country!)).WithMessage("must be an ISO 3166-1 alpha-2 country code, e.g. DE")
            .When(x => !string.IsNullOrWhiteSpace(x.Profile?.Country)).OverridePropertyName("profile.country");

        RuleFor(x => x.Preferences).Must(HaveValidLabels!).WithMessage(LabelRule)
            .When(x => x.Preferences is not null);

        RuleFor(x => x.Tags).Must(HaveValidLabels!).WithMessage(LabelRule)
            .When(x => x.Tags is not null);

        RuleFor(x => x.CustomAttributes!.Count).LessThanOrEqualTo(CustomAttributes.MaxKeys)
            .WithMessage($"must have at most {CustomAttributes.MaxKeys} keys")
            .When(x => x.CustomAttributes is not null).OverridePropertyName("customAttributes");

        RuleForEach(x => x.CustomAttributes).Custom((pair, context) =>
        {
            if (!CustomAttributes.IsValidKey(pair.Key))
            {
                // A ValidationFailure is added as it is; AddFailure(name, message) would prefix the element path
                // ("customAttributes[0].customAttributes").
                context.AddFailure(new ValidationFailure(
                    "customAttributes",
                    $"key '{Truncate(pair.Key)}' must start with a letter and hold only letters, digits and '_' (at most {CustomAttributes.MaxKeyLength})"));
            }
            else if (pair.Value.Problem is { } problem)
            {
                context.AddFailure(new ValidationFailure($"customAttributes.{pair.Key}", problem));
            }
        });

        RuleFor(x => x.Consent!.Email).SetValidator(new ChannelConsentValidator(time)!)
            .When(x => x.Consent?.Email is not null).OverridePropertyName("consent.email");
        RuleFor(x => x.Consent!.Sms).SetValidator(new ChannelConsentValidator(time)!)
            .When(x => x.Consent?.Sms is not null).OverridePropertyName("consent.sms");
        RuleFor(x => x.Consent!.Push).SetValidator(new ChannelConsentValidator(time)!)
            .When(x => x.Consent?.Push is not null).OverridePropertyName("consent.push");
    }

    /// <summary>
    /// A row that plainly passes every rule (the common case of a bulk call) is answered without running the rules,
    /// which cost more than the rest of an upsert; anything else, or anything this check is unsure of, runs them so
    /// that failures keep their messages. Keep <see cref="PlainlyValid"/> in step with the rules above: it may only
    /// say "valid" where they would.
    /// </summary>
    public override ValidationResult Validate(ValidationContext<CustomerInput> context)
    {
        ArgumentNullException.ThrowIfNull(context);
        return !context.IsChildContext && context.InstanceToValidate is { } input && PlainlyValid(input, _time.GetUtcNow())
            ? Valid
            : base.Validate(context);
    }

    private static string LabelRule => $"must hold at most {MaxLabels} entries of at most {MaxLabelLength} characters";

    private static bool BeAnIanaTimeZone(string id)
    {
        var trimmed = id.Trim();

        // Windows ids ("W. Europe Standard Time") would be found on Windows hosts only; the API promises IANA ids.
        return (trimmed.Contains('/', StringComparison.Ordinal) || trimmed == "UTC")
            && TimeZoneInfo.TryFindSystemTimeZoneById(trimmed, out _);
    }

    private static bool HaveValidLabels(List<string> labels) =>
        labels.Count <= MaxLabels && labels.All(label => label is not null && label.Trim().Length <= MaxLabelLength);

    private static bool PlainlyValid(CustomerInput input, DateTimeOffset now)
    {
        if (string.IsNullOrWhiteSpace(input.Email) || input.Email.Length > EmailAddress.MaxLength || !EmailAddress.IsValid(input.Email)
            || input.Name is { Length: > 200 }
            || (!string.IsNullOrWhiteSpace(input.Phone) && !E164().IsMatch(input.Phone.Trim()))
            || (!string.IsNullOrWhiteSpace(input.TimeZone) && !KnownTimeZones.GetOrAdd(input.TimeZone, BeAnIanaTimeZone))
            || (input.Preferences is not null && !HaveValidLabels(input.Preferences))
            || (input.Tags is not null && !HaveValidLabels(input.Tags)))
        {
            return false;
        }

        if (input.Profile is { } profile
            && (profile.Age is < 0 or > 150 || profile.BirthDate is not null || profile.Gender is { Length: > 32 }
                || profile.City is { Length: > 100 } || (!string.IsNullOrWhiteSpace(profile.Country) && !Countries.IsKnown(profile.Country))))
        {
            return false;
        }

        if (input.CustomAttributes is { } attributes)
        {
            if (attributes.Count > CustomAttributes.MaxKeys)
            {
                return false;
            }

            foreach (var (key, value) in attributes)
            {
                if (!CustomAttributes.IsValidKey(key) || value.Problem is not null)
                {
                    return false;
                }
            }
        }

        return input.Consent is not { } consent
            || (PlainlyValid(consent.Email, now) && PlainlyValid(consent.Sms, now) && PlainlyValid(consent.Push, now));
    }

    private static bool PlainlyValid(ChannelConsentInput? consent, DateTimeOffset now) =>
        consent is null
        || (consent.Status is ConsentStatus status && Enum.IsDefined(status)
            && (consent.At is not { } at || at <= now.AddMinutes(5))
            && consent.Source is not { Length: > 64 });

    private static string Truncate(string key) => key.Length <= 40 ? key : key[..40] + "...";

    [GeneratedRegex(@"^\+[1-9][0-9]{6,14}$", RegexOptions.CultureInvariant)]
    private static partial Regex E164();
}

internal sealed class ChannelConsentValidator : AbstractValidator<ChannelConsentInput>
{
    public ChannelConsentValidator(TimeProvider time)
    {
        RuleFor(x => x.Status).NotNull().WithMessage("is required: optedIn or optedOut")
            .IsInEnum().WithMessage("must be optedIn or optedOut");
        RuleFor(x => x.At).Must(at => at <= time.GetUtcNow().AddMinutes(5)).WithMessage("must not be in the future")
            .When(x => x.At is not null);
        RuleFor(x => x.Source).MaximumLength(64).WithMessage("must be at most 64 characters");
    }
}
