// jest.config.js `setupFiles`: aws-cdk-lib's built-in validator is registered only where a test asks for it (see ./builtin-validation).
import { skipAutomaticValidation } from './builtin-validation';

skipAutomaticValidation();
