export { awsRegion, baseCredentials, type Sigv4Settings } from './aws-credentials.js';
export { formEncode, goQueryEscape, signV4, type AwsCredentials, type SignInput } from './sigv4.js';
export { SNS_DEFAULTS, SnsReceiver } from './sns-receiver.js';
