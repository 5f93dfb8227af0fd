using System.Globalization;
using System.Text;
using Crm.Modules.Customers.Contracts;
using Crm.Modules.Customers.Domain;
using Crm.SharedKernel.Web.Bulk;

namespace Crm.Modules.Customers.Features.ImportCustomers;

/// <summary>
/// Maps a CSV header to customer fields and turns each record into a <see cref="CustomerInput"/>. Header names match
/// case-insensitively, ignoring <c>_</c>, <c>-</c>, <c>.</c> and spaces (so <c>time_zone</c>, <c>timeZone</c> and
/// <c>Time Zone</c> are one column). Any other column is a custom attribute, its cells typed from their text. An empty
/// cell gives nothing: the stored value stays.
/// </summary>
internal sealed class CustomerCsv
{
    private static readonly Dictionary<string, Field> Known = new(StringComparer.Ordinal)
    {
        ["email"] = Field.Email, ["emailaddress"] = Field.Email,
        ["name"] = Field.Name, ["fullname"] = Field.Name,
        ["phone"] = Field.Phone, ["phonenumber"] = Field.Phone, ["mobile"] = Field.Phone,
        ["timezone"] = Field.TimeZone, ["tz"] = Field.TimeZone,
        ["age"] = Field.Age,
        ["birthdate"] = Field.BirthDate, ["dateofbirth"] = Field.BirthDate, ["dob"] = Field.BirthDate,
        ["gender"] = Field.Gender,
        ["city"] = Field.City,
        ["country"] = Field.Country, ["countrycode"] = Field.Country,
        ["preferences"] = Field.Preferences,
        ["tags"] = Field.Tags,
        ["consentemail"] = Field.ConsentEmail, ["emailconsent"] = Field.ConsentEmail,
        ["consentsms"] = Field.ConsentSms, ["smsconsent"] = Field.ConsentSms,
        ["consentpush"] = Field.ConsentPush, ["pushconsent"] = Field.ConsentPush,
    };

    private static readonly char[] ListSeparators = ['|', ';'];

    private readonly Column[] _columns;

    private CustomerCsv(Column[] columns, IReadOnlyList<string> headers, IReadOnlyList<string> ignored)
    {
        _columns = columns;
        Headers = headers;
        IgnoredColumns = ignored;
    }

    private enum Field
    {
        Ignored,
        Email,
        Name,
        Phone,
        TimeZone,
        Age,
        BirthDate,
        Gender,
        City,
        Country,
        Preferences,
        Tags,
        ConsentEmail,
        ConsentSms,
        ConsentPush,
        Attribute,
    }

    /// <summary>The header as the file has it, for the failures file.</summary>
    public IReadOnlyList<string> Headers { get; }

    /// <summary>Columns whose cells are not imported: a repeated field, or a name that cannot be an attribute key.</summary>
    public IReadOnlyList<string> IgnoredColumns { get; }

    public bool HasEmail => _columns.Any(c => c.Field == Field.Email);

    public static CustomerCsv FromHeader(IReadOnlyList<string> headers)
    {
        var columns = new Column[headers.Count];
        var taken = new HashSet<string>(StringComparer.Ordinal);
        var ignored = new List<string>();
        for (var i = 0; i < headers.Count; i++)
        {
            var header = headers[i].Trim();
            var key = Simplify(header);
            if (Known.TryGetValue(key, out var field))
            {
                columns[i] = taken.Add(field.ToString()) ? new Column(field, null) : Ignore(header);
                continue;
            }

            var attribute = AttributeKey(header);
            columns[i] = attribute is not null && taken.Add("attribute:" + attribute)
                ? new Column(Field.Attribute, attribute)
                : Ignore(header);
        }

        return new CustomerCsv(columns, [.. headers], ignored);

        Column Ignore(string header)
        {
            ignored.Add(header);
            return new Column(Field.Ignored, null);
        }
    }

    /// <summary>
    /// The input of one record, or the cells that cannot be read (a number or date that is not one, an unknown consent
    /// word). Values that parse are checked afterwards by <see cref="CustomerInputValidator"/>, like every other way in.
    /// </summary>
    public CustomerInput Read(int row, IReadOnlyList<string> cells, List<BulkRowError> errors)
    {
        string? email = null, name = null, phone = null, timeZone = null, gender = null, city = null, country = null;
        int? age = null;
        DateOnly? birthDate = null;
        List<string>? preferences = null, tags = null;
        ChannelConsentInput? consentEmail = null, consentSms = null, consentPush = null;
        Dictionary<string, CustomAttributeInput>? attributes = null;

        for (var i = 0; i < _columns.Length && i < cells.Count; i++)
        {
            var cell = cells[i];
            if (string.IsNullOrWhiteSpace(cell))
            {
                continue;
            }

            var text = cell.Trim();
            switch (_columns[i].Field)
            {
                case Field.Email: email = text; break;
                case Field.Name: name = text; break;
                case Field.Phone: phone = text; break;
                case Field.TimeZone: timeZone = text; break;
                case Field.Gender: gender = text; break;
                case Field.City: city = text; break;
                case Field.Country: country = text; break;
                case Field.Preferences: preferences = SplitList(text); break;
                case Field.Tags: tags = SplitList(text); break;
                case Field.Age:
                    if (int.TryParse(text, NumberStyles.Integer, CultureInfo.InvariantCulture, out var years))
                    {
                        age = years;
                    }
                    else
                    {
                        errors.Add(new BulkRowError(row, "profile.age", "must be a whole number"));
                    }

                    break;
                case Field.BirthDate:
                    if (DateOnly.TryParseExact(text, "yyyy-MM-dd", CultureInfo.InvariantCulture, DateTimeStyles.None, out var date))
                    {
                        birthDate = date;
                    }
                    else
                    {
                        errors.Add(new BulkRowError(row, "profile.birthDate", "must be a date in the form yyyy-MM-dd"));
                    }

                    break;
                case Field.ConsentEmail: consentEmail = Consent(text, "consent.email"); break;
                case Field.ConsentSms: consentSms = Consent(text, "consent.sms"); break;
                case Field.ConsentPush: consentPush = Consent(text, "consent.push"); break;
                case Field.Attribute:
                    (attributes ??= new(StringComparer.Ordinal))[_columns[i].Attribute!] = CustomAttributeInput.FromText(cell, inferNumbers: true);
                    break;
                default:
                    break;
            }
        }

        var hasProfile = age is not null || birthDate is not null || gender is not null || city is not null || country is not null;
        var hasConsent = consentEmail is not null || consentSms is not null || consentPush is not null;
        return new CustomerInput
        {
            Email = email,
            Name = name,
            Phone = phone,
            TimeZone = timeZone,
            Profile = hasProfile ? new ProfileInput { Age = age, BirthDate = birthDate, Gender = gender, City = city, Country = country } : null,
            Preferences = preferences,
            Tags = tags,
            CustomAttributes = attributes,
            Consent = hasConsent ? new ConsentInput { Email = consentEmail, Sms = consentSms, Push = consentPush } : null,
        };

        ChannelConsentInput? Consent(string value, string field)
        {
            if (ConsentOf(value) is { } status)
            {
                return new ChannelConsentInput { Status = status };
            }

            errors.Add(new BulkRowError(row, field, "must be opted_in or opted_out (yes/no and true/false are read too)"));
            return null;
        }
    }

    /// <summary>
    /// A column name as a custom attribute key: runs of characters a key cannot hold become <c>_</c>. Null when
    /// what is left cannot be a key (it must start with a letter and fit the key length).
    /// </summary>
    public static string? AttributeKey(string header)
    {
        var key = new StringBuilder(header.Length);
        foreach (var c in header.Trim())
        {
            if (char.IsAsciiLetterOrDigit(c))
            {
                key.Append(c);
            }
            else if (key.Length > 0 && key[^1] != '_')
            {
                key.Append('_');
            }
        }

        var text = key.ToString().TrimEnd('_');
        return CustomAttributes.IsValidKey(text) ? text : null;
    }

    private static string Simplify(string header)
    {
        var key = new StringBuilder(header.Length);
        foreach (var c in header)
        {
            if (c is not ('_' or '-' or '.' or ' '))
            {
                key.Append(char.ToLowerInvariant(c));
            }
        }

        return key.ToString();
    }

    private static List<string> SplitList(string text) =>
        [.. text.Split(ListSeparators, StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries)];

    private static ConsentStatus? ConsentOf(string text) => Simplify(text) switch
    {
        "optedin" or "optin" or "in" or "yes" or "y" or "true" or "1" or "subscribed" => ConsentStatus.OptedIn,
        "optedout" or "optout" or "out" or "no" or "n" or "false" or "0" or "unsubscribed" => ConsentStatus.OptedOut,
        _ => null,
    };


    private readonly record struct Column(Field Field, string? Attribute);
}
