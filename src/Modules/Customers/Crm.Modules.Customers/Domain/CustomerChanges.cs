using Crm.Modules.Customers.Contracts;

namespace Crm.Modules.Customers.Domain;

/// <summary>Applies validated <see cref="CustomerInput"/> to a <see cref="Customer"/> and names what changed.</summary>
internal static class CustomerChanges
{
    /// <summary>
    /// Writes <paramref name="input"/> onto <paramref name="customer"/>. With <paramref name="replace"/> the input is the
    /// whole new state (PATCH after merging, where a missing member clears the field); without it only the members given
    /// overwrite (bulk and CSV upserts, where a file without a phone column keeps the phones). Custom attributes merge by
    /// key in both modes when not replacing; a JSON null removes a key. Consent keeps its original time when the status
    /// is unchanged. Returns the camelCase names of the top-level fields that changed (empty: nothing to write).
    /// The input must have passed <see cref="CustomerInputValidator"/>.
    /// </summary>
    public static IReadOnlyList<string> Apply(Customer customer, CustomerInput input, DateTimeOffset now, string source, bool replace)
    {
        var changed = new List<string>();

        if (input.Email is { } email && !string.Equals(customer.Email, Normalise.Email(email), StringComparison.Ordinal))
        {
            customer.Email = Normalise.Email(email);
            changed.Add("email");
        }

        if (Differs(customer.Name, Normalise.Text(input.Name), input.Name is not null, replace))
        {
            customer.Name = Normalise.Text(input.Name);
            customer.NameKey = customer.Name?.ToLowerInvariant();
            changed.Add("name");
        }

        if (Differs(customer.Phone, Normalise.Text(input.Phone), input.Phone is not null, replace))
        {
            customer.Phone = Normalise.Text(input.Phone);
            changed.Add("phone");
        }

        if (Differs(customer.TimeZone, Normalise.Text(input.TimeZone), input.TimeZone is not null, replace))
        {
            customer.TimeZone = Normalise.Text(input.TimeZone);
            changed.Add("timeZone");
        }

        if (ApplyProfile(customer.Profile, input.Profile, replace))
        {
            changed.Add("profile");
        }

        if (ApplyList(customer.Preferences, input.Preferences, replace))
        {
            changed.Add("preferences");
        }

        if (ApplyList(customer.Tags, input.Tags, replace))
        {
            changed.Add("tags");
        }

        if (ApplyAttributes(customer.CustomAttributes, input.CustomAttributes, replace))
        {
            changed.Add("customAttributes");
        }

        if (ApplyConsent(customer.Consent, input.Consent, now, source, replace))
        {
            changed.Add("consent");
        }

        if (changed.Count > 0)
        {
            customer.UpdatedAt = now;
        }

        return changed;
    }

    private static bool Differs<T>(T current, T next, bool given, bool replace) =>
        (given || replace) && !EqualityComparer<T>.Default.Equals(current, next);

    private static bool ApplyProfile(CustomerProfile profile, ProfileInput? input, bool replace)
    {
        if (input is null && !replace)
        {
            return false;
        }

        input ??= new ProfileInput();
        var next = new CustomerProfile
        {
            Age = input.Age ?? (replace ? null : profile.Age),
            BirthDate = input.BirthDate ?? (replace ? null : profile.BirthDate),
            Gender = input.Gender is not null || replace ? Normalise.Gender(input.Gender) : profile.Gender,
            City = input.City is not null || replace ? Normalise.Text(input.City) : profile.City,
            Country = input.Country is not null || replace ? Normalise.Country(input.Country) : profile.Country,
        };

        if (next.Age == profile.Age && next.BirthDate == profile.BirthDate && next.Gender == profile.Gender
            && next.City == profile.City && next.Country == profile.Country)
        {
            return false;
        }

        profile.Age = next.Age;
        profile.BirthDate = next.BirthDate;
        profile.Gender = next.Gender;
        profile.City = next.City;
        profile.Country = next.Country;
        return true;
    }

    private static bool ApplyList(List<string> current, List<string>? input, bool replace)
    {
        if (input is null && !replace)
        {
            return false;
        }

        var next = Normalise.Labels(input ?? []);
        if (current.SequenceEqual(next, StringComparer.Ordinal))
        {
            return false;
        }

        current.Clear();
        current.AddRange(next);
        return true;
    }

    private static bool ApplyAttributes(Dictionary<string, CustomAttributeValue> current, Dictionary<string, CustomAttributeInput>? input, bool replace)
    {
        if (input is null && !replace)
        {
            return false;
        }

        if (current.Count == 0)
        {
            // A new customer (every row of a first import): the given values are the attributes, no copy to compare.
            current.EnsureCapacity(input?.Count ?? 0);
            foreach (var (key, value) in input ?? [])
            {
                if (value.Value is { } typed)
                {
                    current[key] = typed;
                }
            }

            return current.Count > 0;
        }

        var next = replace ? new Dictionary<string, CustomAttributeValue>(StringComparer.Ordinal) : new Dictionary<string, CustomAttributeValue>(current, StringComparer.Ordinal);
        foreach (var (key, value) in input ?? [])
        {
            if (value.Value is { } typed)
            {
                next[key] = typed;
            }
            else
            {
                next.Remove(key);
            }
        }

        if (next.Count == current.Count && next.All(pair => current.TryGetValue(pair.Key, out var old) && old == pair.Value))
        {
            return false;
        }

        current.Clear();
        foreach (var (key, value) in next)
        {
            current[key] = value;
        }

        return true;
    }

    private static bool ApplyConsent(CustomerConsent consent, ConsentInput? input, DateTimeOffset now, string source, bool replace)
    {
        if (input is null && !replace)
        {
            return false;
        }

        input ??= new ConsentInput();
        var changed = false;
        consent.Email = Next(consent.Email, input.Email, ref changed);
        consent.Sms = Next(consent.Sms, input.Sms, ref changed);
        consent.Push = Next(consent.Push, input.Push, ref changed);
        return changed;

        ChannelConsent? Next(ChannelConsent? current, ChannelConsentInput? given, ref bool anyChange)
        {
            if (given?.Status is not { } status)
            {
                // Consent is a record of what a person said: a replace without it keeps it rather than forgetting it.
                return current;
            }

            if (current is not null && current.Status == status)
            {
                return current;
            }

            anyChange = true;
            return new ChannelConsent
            {
                Status = status,
                At = (given.At ?? now).ToUniversalTime(),
                Source = Normalise.Text(given.Source) ?? source,
            };
        }
    }
}
