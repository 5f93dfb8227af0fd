using Crm.Modules.Orders.Contracts;
using Crm.SharedKernel.Documents;
using Crm.SharedKernel.Errors;

namespace Crm.Modules.Orders.Domain;

/// <summary>
/// Turns a validated <see cref="OrderInput"/> into an <see cref="Order"/>, or a 422 when the request is well formed
/// but cannot be recorded: a currency without a configured rate, an unknown customer id, or an email that is not
/// the named customer's. The same rules for REST and bulk rows.
/// </summary>
internal sealed class OrderFactory(CurrencyConverter converter, TimeProvider time)
{
    public Result<Order> Create(OrderInput input, CustomerDirectory customers)
    {
        var currency = Currencies.Normalise(input.Currency)!;
        if (!converter.CanConvert(currency))
        {
            return Unprocessable(
                "orders.currency_without_rate",
                "currency",
                $"has no exchange rate to {converter.BaseCurrency}; configure Orders:ExchangeRates:{currency}");
        }

        var email = string.IsNullOrWhiteSpace(input.CustomerEmail) ? null : CustomerDirectory.NormaliseEmail(input.CustomerEmail);
        string? customerId = null;
        if (!string.IsNullOrWhiteSpace(input.CustomerId))
        {
            var customer = customers.ById(input.CustomerId.Trim());
            if (customer is null)
            {
                return Unprocessable(
                    "orders.unknown_customer",
                    "customerId",
                    "names no known customer (a customer created a moment ago may take a second to become known here)");
            }

            if (email is not null && email != customer.Email)
            {
                return Unprocessable("orders.customer_mismatch", "customerEmail", "is not the email of the customer named by customerId");
            }

            customerId = customer.Id;
            email = customer.Email;
        }
        else if (customers.ByEmail(email!) is { } known)
        {
            customerId = known.Id;
        }

        var now = time.GetUtcNow();
        var source = Order.SourceOf(input);
        var externalOrderId = input.ExternalOrderId!.Trim();
        var amount = input.Amount!.Value;
        return new Order
        {
            Id = DocumentId.New(time),
            Source = source,
            ExternalOrderId = externalOrderId,
            SourceKey = Order.SourceKeyOf(source, externalOrderId),
            CustomerId = customerId,
            CustomerEmail = email,
            CustomerKey = customerId ?? email!,
            Amount = amount,
            Currency = currency,
            BaseAmount = converter.ToBase(amount, currency),
            BaseCurrency = converter.BaseCurrency,
            Items = input.Items?.Select(item => new OrderItem
            {
                Sku = item.Sku!.Trim(),
                Name = item.Name?.Trim() ?? "",
                Quantity = item.Quantity!.Value,
                UnitPrice = item.UnitPrice!.Value,
            }).ToList() ?? [],
            Status = OrderStatusRules.Parse(input.Status) ?? OrderStatus.Placed,
            OrderedAt = (input.OrderedAt ?? now).ToUniversalTime(),
            CreatedAt = now,
            UpdatedAt = now,
        };
    }

    private static Error Unprocessable(string code, string field, string message) =>
        Error.Unprocessable(code, $"{field} {message}.", new Dictionary<string, string[]>(StringComparer.Ordinal) { [field] = [message] });
}
