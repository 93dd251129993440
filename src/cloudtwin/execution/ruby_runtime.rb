# A Lambda Runtime API client for Ruby, shipped with cloudtwin (AWS's aws_lambda_ric gem does the
# same on AWS): loads the handler named by _HANDLER ("file.method" or "file.Module::Class.method",
# the file found on RUBYLIB, i.e. in LAMBDA_TASK_ROOT or a layer's ruby/lib), calls it with
# `event:` and `context:` keywords, and reports errors in AWS's Ruby shape:
# {"errorMessage", "errorType": "Function<RuntimeError>", "stackTrace"}. Standard library only.
require 'json'
require 'net/http'
require 'stringio'

$stdout.sync = true
$stderr.sync = true

module CloudtwinLambda
  API = ENV.fetch('AWS_LAMBDA_RUNTIME_API')
  BASE = '/2018-06-01/runtime'
  OWN_FILE = File.expand_path(__FILE__)
  # this file by its own name and through links (the sandbox's /var/runtime links to it)
  OWN_PATHS = [OWN_FILE, File.realpath(OWN_FILE)].uniq.freeze

  # The error classes whose name AWS's runtime puts in the error-type header as they are.
  ALLOWED_ERRORS = %w[ArgumentError NoMethodError Exception StandardError NameError LoadError
                      SystemExit SystemStackError].freeze

  # An error as the runtime reports it, classified as AWS's runtime does: "Function" for the
  # handler's errors, "Init" for those raised while loading it.
  class Failure
    attr_reader :error_class

    def initialize(error, classification = 'Function')
      @error_class = error.class.to_s
      @type = "#{classification}<#{error.class}>"
      @message = error.message
      @trace = []
      (error.backtrace_locations || []).first(100).each do |location|
        break if OWN_PATHS.include?(File.expand_path(location.absolute_path || location.path.to_s))

        @trace << location.to_s
      end
    end

    def header_type
      ALLOWED_ERRORS.include?(@error_class) ? @type : 'Function<UserException>'
    end

    def to_h
      { errorMessage: @message, errorType: @type, stackTrace: @trace }
    end
  end

  # The context object AWS's Ruby runtime passes to a handler.
  class Context
    attr_reader :aws_request_id, :invoked_function_arn, :log_group_name, :log_stream_name,
                :function_name, :memory_limit_in_mb, :function_version, :identity,
                :tenant_id, :client_context, :deadline_ms

    def initialize(headers)
      @deadline_ms = headers['lambda-runtime-deadline-ms'].to_i
      @aws_request_id = headers['lambda-runtime-aws-request-id']
      @invoked_function_arn = headers['lambda-runtime-invoked-function-arn']
      @log_group_name = ENV['AWS_LAMBDA_LOG_GROUP_NAME']
      @log_stream_name = ENV['AWS_LAMBDA_LOG_STREAM_NAME']
      @function_name = ENV['AWS_LAMBDA_FUNCTION_NAME']
      @memory_limit_in_mb = ENV['AWS_LAMBDA_FUNCTION_MEMORY_SIZE']
      @function_version = ENV['AWS_LAMBDA_FUNCTION_VERSION']
      @tenant_id = headers['lambda-runtime-aws-tenant-id']
      identity = headers['lambda-runtime-cognito-identity']
      @identity = JSON.parse(identity) if identity
      client_context = headers['lambda-runtime-client-context']
      @client_context = JSON.parse(client_context) if client_context
    end

    def get_remaining_time_in_millis
      remaining = @deadline_ms - (Time.now.to_f * 1000).to_i
      remaining.positive? ? remaining : 0
    end
  end

  class << self
    def http
      @http ||= begin
        host, port = API.split(':')
        connection = Net::HTTP.new(host, port.to_i)
        connection.read_timeout = nil # /next waits for the next event as long as it takes
        connection.keep_alive_timeout = 3600
        connection.start
      end
    end

    def post(path, body, headers = {})
      request = Net::HTTP::Post.new(BASE + path, { 'Content-Type' => 'application/json' }.merge(headers))
      request.body = body
      http.request(request)
    end

    def report(path, failure, banner)
      body = failure.to_h
      puts banner
      puts JSON.pretty_generate(body)
      post(path, JSON.generate(body), 'Lambda-Runtime-Function-Error-Type' => failure.header_type)
    end

    # The handler as a callable: "file.method" or "file.Module::Class.method".
    def load_handler
      parts = ENV.fetch('_HANDLER', '').split('.')
      unless [2, 3].include?(parts.size)
        raise ArgumentError, "Invalid handler #{parts}, must be of form FILENAME.METHOD or " \
          'FILENAME.CLASS.METHOD where FILENAME corresponds with an existing Ruby source file ' \
          'FILENAME.rb, CLASS is an optional module/class namespace and METHOD is a callable method. ' \
          'If using CLASS, METHOD must be a class-level method.'
      end
      file, *names = parts
      require file
      if names.size == 2
        owner = Kernel.const_get(names[0])
        ->(event, context) { owner.send(names[1], event: event, context: context) }
      else
        ->(event, context) { TOPLEVEL_BINDING.receiver.send(names[0], event: event, context: context) }
      end
    end

    # AWS's runtime exits after a critical error and the next event finds a new one: start
    # afresh in the same process (so no event can reach a runtime on its way out).
    def restart
      @http&.finish
      exec(RbConfig.ruby, OWN_FILE)
    end

    def parse(body)
      JSON.parse(body)
    rescue JSON::ParserError
      body
    end

    def run
      begin
        handler = load_handler
      rescue Exception => e # rubocop:disable Lint/RescueException - as AWS's runtime
        report('/init/error', Failure.new(e, 'Init'), 'Init error when loading handler')
        exit!(1)
      end
      loop do
        response = http.request(Net::HTTP::Get.new("#{BASE}/invocation/next"))
        headers = response.each_header.to_h
        id = headers['lambda-runtime-aws-request-id']
        context = Context.new(headers)
        begin
          result = handler.call(parse(response.body), context)
          payload = result.is_a?(IO) || result.is_a?(StringIO) ? result.read : result.to_json
          post("/invocation/#{id}/response", payload)
        rescue StandardError => e
          report("/invocation/#{id}/error", Failure.new(e), 'Error raised from handler method')
          restart if e.is_a?(NameError) # NoMethodError too
        rescue Exception => e # rubocop:disable Lint/RescueException
          report("/invocation/#{id}/error", Failure.new(e), 'Critical exception from handler')
          restart
        end
      end
    end
  end
end

CloudtwinLambda.run
