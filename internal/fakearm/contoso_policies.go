package fakearm

// The demo's policy documents, stored as rawxml (as APIOps keeps them):
// expressions are raw C#, so some are not well-formed XML until rendered
// with format=xml. Named values are referenced by display name. They follow
// testdata/policies/orders.xml: v2 metadata of the tenant, both forms of the
// orders API as audiences, the app roles the API defines.

const globalPolicy = `<policies>
    <inbound>
        <include-fragment fragment-id="correlation-id" />
    </inbound>
    <backend>
        <forward-request />
    </backend>
    <outbound />
    <on-error />
</policies>`

const correlationFragment = `<fragment>
    <set-header name="x-correlation-id" exists-action="skip">
        <value>@(context.RequestId.ToString())</value>
    </set-header>
</fragment>`

const jwtOrdersFragment = `<fragment>
    <validate-jwt header-name="Authorization" failed-validation-httpcode="401" require-scheme="Bearer">
        <openid-config url="https://login.microsoftonline.com/{{tenant-id}}/v2.0/.well-known/openid-configuration" />
        <audiences>
            <audience>{{orders-audience}}</audience>
            <audience>6e8c4b2a-1f3d-4a5b-9c7e-2d4f6a8b0c1e</audience>
        </audiences>
        <required-claims>
            <claim name="roles" match="any">
                <value>Orders.Read</value>
                <value>Orders.Write</value>
            </claim>
        </required-claims>
    </validate-jwt>
</fragment>`

// ordersPolicy is the orders API's own policy: its validate-jwt asks for
// Orders.Read or Orders.Write, nothing about Partners.Access.
const ordersPolicy = `<policies>
    <inbound>
        <base />
        <validate-jwt header-name="Authorization" failed-validation-httpcode="401" require-scheme="Bearer">
            <openid-config url="https://login.microsoftonline.com/{{tenant-id}}/v2.0/.well-known/openid-configuration" />
            <audiences>
                <audience>{{orders-audience}}</audience>
                <audience>6e8c4b2a-1f3d-4a5b-9c7e-2d4f6a8b0c1e</audience>
            </audiences>
            <required-claims>
                <claim name="roles" match="any">
                    <value>Orders.Read</value>
                    <value>Orders.Write</value>
                </claim>
            </required-claims>
        </validate-jwt>
        <set-header name="x-backend-key" exists-action="override">
            <value>{{backend-key}}</value>
        </set-header>
        <set-backend-service base-url="https://orders.internal.contoso.com" />
    </inbound>
    <backend>
        <base />
    </backend>
    <outbound>
        <base />
    </outbound>
    <on-error>
        <base />
    </on-error>
</policies>`

// ordersRev2Policy is revision 2 (not current): the token check moved into
// the jwt-orders fragment.
const ordersRev2Policy = `<policies>
    <inbound>
        <base />
        <include-fragment fragment-id="jwt-orders" />
        <set-header name="x-backend-key" exists-action="override">
            <value>{{backend-key}}</value>
        </set-header>
        <set-backend-service base-url="https://orders.internal.contoso.com" />
    </inbound>
    <backend>
        <base />
    </backend>
    <outbound>
        <base />
    </outbound>
    <on-error>
        <base />
    </on-error>
</policies>`

// createOrderPolicy is an operation policy whose expressions are raw C#
// (quotes inside a quoted attribute, &&): rawxml as stored, xml escaped.
const createOrderPolicy = `<policies>
    <inbound>
        <base />
        <choose>
            <when condition="@(context.Request.Body == null && context.Request.Headers.GetValueOrDefault("Content-Length", "0") != "0")">
                <return-response>
                    <set-status code="400" reason="Bad Request" />
                </return-response>
            </when>
        </choose>
    </inbound>
    <backend>
        <base />
    </backend>
    <outbound>
        <base />
    </outbound>
    <on-error>
        <base />
    </on-error>
</policies>`

const inventoryV2Policy = `<policies>
    <inbound>
        <base />
        <validate-jwt header-name="Authorization" failed-validation-httpcode="401" require-scheme="Bearer">
            <openid-config url="https://login.microsoftonline.com/{{tenant-id}}/.well-known/openid-configuration" />
            <audiences>
                <audience>api://contoso-inventory</audience>
            </audiences>
        </validate-jwt>
    </inbound>
    <backend>
        <base />
    </backend>
    <outbound>
        <base />
    </outbound>
    <on-error>
        <base />
    </on-error>
</policies>`

// statusPolicy has no <base/>: the global policy does not run for status.
const statusPolicy = `<policies>
    <inbound>
        <return-response>
            <set-status code="200" reason="OK" />
            <set-header name="Content-Type" exists-action="override">
                <value>application/json</value>
            </set-header>
            <set-body>{"status":"ok"}</set-body>
        </return-response>
    </inbound>
    <backend />
    <outbound />
    <on-error />
</policies>`

const starterPolicy = `<policies>
    <inbound>
        <base />
        <rate-limit-by-key calls="100" renewal-period="60" counter-key="@(context.Subscription?.Key ?? "anonymous")" />
    </inbound>
    <backend>
        <base />
    </backend>
    <outbound>
        <base />
    </outbound>
    <on-error>
        <base />
    </on-error>
</policies>`

// partnersPolicy requires the Partners.Access role, which the orders
// API's own policy never mentions: the product policy nobody looked at.
const partnersPolicy = `<policies>
    <inbound>
        <base />
        <validate-jwt header-name="Authorization" failed-validation-httpcode="401" require-scheme="Bearer">
            <openid-config url="https://login.microsoftonline.com/{{tenant-id}}/v2.0/.well-known/openid-configuration" />
            <required-claims>
                <claim name="roles" match="all">
                    <value>Partners.Access</value>
                </claim>
            </required-claims>
        </validate-jwt>
    </inbound>
    <backend>
        <base />
    </backend>
    <outbound>
        <base />
    </outbound>
    <on-error>
        <base />
    </on-error>
</policies>`
